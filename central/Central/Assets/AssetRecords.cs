namespace City.Central.Assets;

/// <summary>Where a gateway's cabinet stands, as its birth said (Edge:Site). Latitude/longitude NaN when unknown.</summary>
internal sealed record SiteRecord(string GatewayId, string? Town, string? District, double Latitude, double Longitude, string? TimeZone, long UpdatedUnixMs);

/// <summary>
/// One lamp's asset fields from one source (a birth, or an import). Null (NaN for coordinates) means the source does not
/// give the field; Line/Address/Groups come from births only.
/// </summary>
internal sealed record LampFields(
    string GatewayId,
    string LampId,
    string? PoleId = null,
    double Latitude = double.NaN,
    double Longitude = double.NaN,
    string? LuminaireModel = null,
    double? RatedPowerW = null,
    double? ReplacedPowerW = null,
    DateOnly? InstalledOn = null,
    double? RatedLifeHours = null,
    string? Town = null,
    string? District = null,
    string? Line = null,
    int? Address = null,
    uint? Groups = null,
    long UpdatedUnixMs = 0);

/// <summary>
/// A watched condition of one gateway point (a lamp failure, gear not answering, an alarm bit, a lamp past its rated life):
/// the newest instant it was seen clear, the earliest instant it was seen set after that (when it started), the newest it
/// was seen set, and what the last set reading said.
/// </summary>
internal sealed record ConditionRecord(string GatewayId, string Key, long? LastClearMs, long? FirstSetMs, long? LastSetMs, string? Detail)
{
    /// <summary>Set now: the newest reading says so.</summary>
    public bool IsActive => LastSetMs is { } set && (LastClearMs is not { } clear || set > clear);

    /// <summary>The same record with one more reading (at <paramref name="atMs"/>, set or clear) taken into account; order of arrival does not matter.</summary>
    public ConditionRecord With(long atMs, bool set, string? detail)
    {
        if (set)
        {
            var first = FirstSetMs;
            if (LastClearMs is not { } clear || atMs > clear)
            {
                first = first is { } f && (LastClearMs is not { } c || f > c) ? Math.Min(f, atMs) : atMs;
            }

            var isNewest = LastSetMs is not { } last || atMs >= last;
            return this with { FirstSetMs = first, LastSetMs = isNewest ? atMs : LastSetMs, Detail = isNewest ? detail ?? Detail : Detail };
        }

        if (LastClearMs is { } oldClear && atMs <= oldClear)
        {
            return this;
        }

        // A clear reading after the start: the condition (if set again later) started at the first set reading after it;
        // only the newest set one is known, so that one stands in.
        var firstAfter = FirstSetMs is { } s && s > atMs ? s : LastSetMs is { } l && l > atMs ? l : (long?)null;
        return this with { LastClearMs = atMs, FirstSetMs = firstAfter };
    }
}
