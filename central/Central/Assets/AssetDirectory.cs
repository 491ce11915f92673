using System.Globalization;
using City.Contract.Wire;

namespace City.Central.Assets;

/// <summary>
/// Towns, sites and lamps: what the gateways' births say, merged with the imported assets (an imported field wins over
/// the birth's; an empty imported field leaves the birth's). Persisted in <see cref="AssetStore"/>; thread-safe, readers
/// get snapshots.
/// </summary>
internal sealed class AssetDirectory
{
    private readonly AssetStore _store;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SiteRecord> _sites = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, LampFields>> _birthLamps = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Gateway, string Lamp), LampFields> _imported = [];
    private Snapshot _snapshot = Snapshot.Empty;

    public AssetDirectory(AssetStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        foreach (var site in store.LoadSites())
        {
            _sites[site.GatewayId] = site;
        }

        foreach (var lamp in store.LoadBirthLamps())
        {
            BirthLampsOf(lamp.GatewayId)[lamp.LampId] = lamp;
        }

        foreach (var lamp in store.LoadImportedLamps())
        {
            _imported[(lamp.GatewayId, lamp.LampId)] = lamp;
        }

        Rebuild();
    }

    /// <summary>The lamp, or null when neither a birth nor an import named it.</summary>
    public LampAsset? Find(string gatewayId, string lampId) =>
        Volatile.Read(ref _snapshot).Lamps.GetValueOrDefault((gatewayId, lampId))?.Asset;

    /// <summary>Every known lamp, optionally of one town (case-insensitive) and/or one gateway, ordered by gateway then lamp.</summary>
    public IReadOnlyList<LampAsset> Lamps(string? town = null, string? gatewayId = null) =>
        [.. Entries(town, gatewayId).Select(e => e.Asset)];

    /// <summary>The town of a gateway: the one its imported lamps name (the most named), else its birth's site's, else null.</summary>
    public string? TownOf(string gatewayId) => Volatile.Read(ref _snapshot).Towns.GetValueOrDefault(gatewayId);

    /// <summary>True when the gateway lies in the town (case-insensitive); a null town matches every gateway.</summary>
    public bool InTown(string gatewayId, string? town) =>
        town is null || string.Equals(TownOf(gatewayId), town, StringComparison.OrdinalIgnoreCase);

    /// <summary>The site a gateway's last birth gave, or null.</summary>
    public SiteRecord? SiteOf(string gatewayId)
    {
        lock (_gate)
        {
            return _sites.GetValueOrDefault(gatewayId);
        }
    }

    /// <summary>The lamps with where their fields came from, filtered as <see cref="Lamps"/>.</summary>
    public IReadOnlyList<LampEntry> Entries(string? town = null, string? gatewayId = null) =>
        [.. Volatile.Read(ref _snapshot).Ordered
            .Where(e => town is null || string.Equals(e.Asset.Town, town, StringComparison.OrdinalIgnoreCase))
            .Where(e => gatewayId is null || string.Equals(e.Asset.GatewayId, gatewayId, StringComparison.Ordinal))];

    /// <summary>Stores a gateway's site and lamps from its birth, replacing what its previous birth said.</summary>
    public void ApplyBirth(Birth birth, long nowUnixMs)
    {
        ArgumentNullException.ThrowIfNull(birth);
        var gatewayId = birth.GatewayId;
        SiteRecord? site = birth.Site is { } s
            ? new SiteRecord(gatewayId, Blank(s.Town), Blank(s.District), s.Latitude, s.Longitude, Blank(s.TimeZone), nowUnixMs)
            : null;
        var lamps = birth.Assets
            .Where(a => a.LampId.Length > 0)
            .GroupBy(a => a.LampId, StringComparer.Ordinal)
            .Select(g => FromBirth(gatewayId, g.Last(), nowUnixMs))
            .ToList();
        lock (_gate)
        {
            _store.SaveBirth(gatewayId, site, lamps);
            if (site is null)
            {
                _sites.Remove(gatewayId);
            }
            else
            {
                _sites[gatewayId] = site;
            }

            var known = BirthLampsOf(gatewayId);
            known.Clear();
            foreach (var lamp in lamps)
            {
                known[lamp.LampId] = lamp;
            }

            Rebuild();
        }
    }

    /// <summary>Stores imported lamps (each replacing an earlier import of the same gateway and lamp), all or none.</summary>
    public void Import(IReadOnlyList<LampFields> lamps)
    {
        ArgumentNullException.ThrowIfNull(lamps);
        lock (_gate)
        {
            _store.SaveImported(lamps);
            foreach (var lamp in lamps)
            {
                _imported[(lamp.GatewayId, lamp.LampId)] = lamp;
            }

            Rebuild();
        }
    }

    private static LampFields FromBirth(string gatewayId, Asset asset, long nowUnixMs) => new(
        gatewayId,
        asset.LampId,
        Blank(asset.PoleId),
        asset.Latitude,
        asset.Longitude,
        Blank(asset.LuminaireModel),
        asset.RatedPowerW,
        asset.ReplacedPowerW,
        DateOnly.TryParseExact(asset.InstalledOn, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null,
        asset.RatedLifeHours,
        Line: Blank(asset.Line),
        Address: (int)asset.Address,
        Groups: asset.Groups,
        UpdatedUnixMs: nowUnixMs);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private Dictionary<string, LampFields> BirthLampsOf(string gatewayId)
    {
        if (!_birthLamps.TryGetValue(gatewayId, out var lamps))
        {
            lamps = new Dictionary<string, LampFields>(StringComparer.Ordinal);
            _birthLamps.Add(gatewayId, lamps);
        }

        return lamps;
    }

    /// <summary>Merges births and imports into a new snapshot (under the lock).</summary>
    private void Rebuild()
    {
        var importedTowns = _imported.Values
            .Where(l => l.Town is not null)
            .GroupBy(l => l.GatewayId, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.GroupBy(l => l.Town!, StringComparer.OrdinalIgnoreCase)
                    .OrderByDescending(t => t.Count())
                    .ThenBy(t => t.Key, StringComparer.Ordinal)
                    .First().Key,
                StringComparer.Ordinal);
        var towns = new Dictionary<string, string?>(StringComparer.Ordinal);
        var gateways = _sites.Keys.Concat(_birthLamps.Keys).Concat(_imported.Keys.Select(k => k.Gateway)).Distinct(StringComparer.Ordinal);
        foreach (var gatewayId in gateways)
        {
            towns[gatewayId] = importedTowns.GetValueOrDefault(gatewayId) ?? _sites.GetValueOrDefault(gatewayId)?.Town;
        }

        var lamps = new Dictionary<(string, string), LampEntry>();
        var keys = _birthLamps.Values.SelectMany(g => g.Values).Select(l => (l.GatewayId, l.LampId)).Concat(_imported.Keys).Distinct();
        foreach (var key in keys)
        {
            var birth = _birthLamps.GetValueOrDefault(key.Item1)?.GetValueOrDefault(key.Item2);
            var imported = _imported.GetValueOrDefault(key);
            lamps[key] = Merge(key.Item1, key.Item2, birth, imported, _sites.GetValueOrDefault(key.Item1), towns.GetValueOrDefault(key.Item1));
        }

        var ordered = lamps.Values
            .OrderBy(e => e.Asset.GatewayId, StringComparer.Ordinal)
            .ThenBy(e => e.Asset.LampId, StringComparer.Ordinal)
            .ToList();
        Volatile.Write(ref _snapshot, new Snapshot(lamps, ordered, towns));
    }

    private static LampEntry Merge(string gatewayId, string lampId, LampFields? birth, LampFields? imported, SiteRecord? site, string? town)
    {
        var importedPosition = imported is not null && !double.IsNaN(imported.Latitude) && !double.IsNaN(imported.Longitude);
        TimeZoneInfo? zone = null;
        if (site?.TimeZone is { } zoneId && TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var found))
        {
            zone = found;
        }

        var asset = new LampAsset(
            gatewayId,
            lampId,
            imported?.Town ?? town,
            imported?.District ?? site?.District,
            imported?.PoleId ?? birth?.PoleId,
            importedPosition ? imported!.Latitude : birth?.Latitude ?? double.NaN,
            importedPosition ? imported!.Longitude : birth?.Longitude ?? double.NaN,
            imported?.LuminaireModel ?? birth?.LuminaireModel,
            imported?.RatedPowerW ?? birth?.RatedPowerW ?? 0,
            imported?.ReplacedPowerW ?? birth?.ReplacedPowerW ?? 0,
            imported?.InstalledOn ?? birth?.InstalledOn,
            imported?.RatedLifeHours ?? birth?.RatedLifeHours ?? 0,
            zone);
        var source = (birth, imported) switch
        {
            (not null, not null) => LampEntry.BirthAndImport,
            (not null, null) => LampEntry.FromBirth,
            _ => LampEntry.FromImport,
        };
        return new LampEntry(asset, source, birth?.Line, birth?.Address, birth?.Groups);
    }

    private sealed record Snapshot(
        IReadOnlyDictionary<(string, string), LampEntry> Lamps,
        IReadOnlyList<LampEntry> Ordered,
        IReadOnlyDictionary<string, string?> Towns)
    {
        public static readonly Snapshot Empty = new(new Dictionary<(string, string), LampEntry>(), [], new Dictionary<string, string?>());
    }
}

/// <summary>A merged lamp with where its fields came from (birth, import, birth+import) and the birth's DALI addressing.</summary>
internal sealed record LampEntry(LampAsset Asset, string Source, string? Line, int? Address, uint? Groups)
{
    public const string FromBirth = "birth";
    public const string FromImport = "import";
    public const string BirthAndImport = "birth+import";
}
