using City.Contract;
using City.Contract.Wire;

namespace City.Central.State;

/// <summary>One point of a gateway's catalogue, as its birth announced it.</summary>
internal sealed record CataloguePoint(uint Alias, string Id, string Unit, PointType Type, string Device, string Description);

/// <summary>The most recent reading of one point.</summary>
internal readonly record struct LatestValue(uint Alias, long TimestampUnixMs, PointValue Value, Quality Quality);

/// <summary>
/// What central knows about a gateway. Instances are immutable once published in the
/// <see cref="GatewayRegistry"/>: the ingest worker changes a copy and swaps it in after its commit.
/// </summary>
internal sealed class GatewayState
{
    public GatewayState(string id)
    {
        Id = id;
    }

    public string Id { get; }

    public ulong Epoch { get; set; }

    public bool Online { get; set; }

    /// <summary>True once a birth was accepted (the gateway is then admitted when AdmitOnBirth is on).</summary>
    public bool HasBirth { get; set; }

    public long LastSeenUnixMs { get; set; }

    public long ReadingsReceived { get; set; }

    public long BatchesReceived { get; set; }

    /// <summary>The largest tMax - tMin of a stored batch: how far before a range's start a batch can begin.</summary>
    public long MaxBatchSpanMs { get; set; }

    public string SoftwareVersion { get; set; } = string.Empty;

    public SeqRanges CommittedSeqs { get; set; } = new();

    public IReadOnlyList<CataloguePoint> Catalogue { get; set; } = [];

    public IReadOnlyDictionary<uint, LatestValue> Latest { get; set; } = new Dictionary<uint, LatestValue>();

    /// <summary>A copy the worker may change; collections are copied when it changes them.</summary>
    public GatewayState Clone() => new(Id)
    {
        Epoch = Epoch,
        Online = Online,
        HasBirth = HasBirth,
        LastSeenUnixMs = LastSeenUnixMs,
        ReadingsReceived = ReadingsReceived,
        BatchesReceived = BatchesReceived,
        MaxBatchSpanMs = MaxBatchSpanMs,
        SoftwareVersion = SoftwareVersion,
        CommittedSeqs = CommittedSeqs.Clone(),
        Catalogue = Catalogue,
        Latest = Latest,
    };

    public CataloguePoint? FindPoint(string point)
    {
        foreach (var info in Catalogue)
        {
            if (string.Equals(info.Id, point, StringComparison.Ordinal))
            {
                return info;
            }
        }

        if (uint.TryParse(point, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var alias))
        {
            foreach (var info in Catalogue)
            {
                if (info.Alias == alias)
                {
                    return info;
                }
            }
        }

        return null;
    }
}
