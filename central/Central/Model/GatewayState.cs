using City.Contract;
using City.Contract.Wire;

namespace City.Central.Model;

/// <summary>One point of a gateway's catalogue, as its birth announced it.</summary>
internal sealed record CataloguePoint(uint Alias, string Id, string Unit, PointType Type, string Device, string Description);

/// <summary>The most recent reading of one point.</summary>
internal readonly record struct LatestValue(uint Alias, long TimestampUnixMs, PointValue Value, Quality Quality);

/// <summary>
/// The dedupe state of one buffer of a gateway: its committed seqs, and the epoch of its last accepted birth
/// (0 while only batches were seen). Seq and epoch count within one buffer id.
/// </summary>
internal sealed class BufferStream
{
    public ulong Epoch { get; set; }

    public SeqRanges Seqs { get; init; } = new();

    /// <summary>The last committed seq, 0 when none.</summary>
    public ulong LastSeq => Seqs.Count == 0 ? 0 : Seqs.Ranges[^1].To;

    public BufferStream Clone() => new() { Epoch = Epoch, Seqs = Seqs.Clone() };
}

/// <summary>
/// What central knows about a gateway. Instances are immutable once published (in the gateway registry): the
/// ingest worker changes a copy and swaps it in after its commit.
/// </summary>
internal sealed class GatewayState
{
    public GatewayState(string id)
    {
        Id = id;
        Streams = new Dictionary<string, BufferStream>(StringComparer.Ordinal) { [string.Empty] = new() };
    }

    public string Id { get; }

    /// <summary>The buffer id of the gateway's current stream (its last accepted birth, or its newest buffer); empty: the legacy stream.</summary>
    public string BufferId { get; private set; } = string.Empty;

    /// <summary>The current stream's epoch.</summary>
    public ulong Epoch
    {
        get => Streams[BufferId].Epoch;
        set => Streams[BufferId].Epoch = value;
    }

    public bool Online { get; set; }

    /// <summary>True once a birth was accepted (the gateway is then admitted when AdmitOnBirth is on).</summary>
    public bool HasBirth { get; set; }

    public long LastSeenUnixMs { get; set; }

    public long ReadingsReceived { get; set; }

    public long BatchesReceived { get; set; }

    /// <summary>The largest tMax - tMin of a stored batch: how far before a range's start a batch can begin.</summary>
    public long MaxBatchSpanMs { get; set; }

    public string SoftwareVersion { get; set; } = string.Empty;

    /// <summary>The lighting set version the last birth reported (Birth.lighting_version; empty: none applied). Not stored.</summary>
    public string LightingVersion { get; set; } = string.Empty;

    /// <summary>The edge configuration version the last birth reported (Birth.config_version; empty: none). Not stored.</summary>
    public string ConfigVersion { get; set; } = string.Empty;

    /// <summary>Dedupe state per buffer id ("" for batches without one); always holds the current stream.</summary>
    public Dictionary<string, BufferStream> Streams { get; private set; }

    /// <summary>The current stream's committed seqs.</summary>
    public SeqRanges CommittedSeqs => Streams[BufferId].Seqs;

    public IReadOnlyList<CataloguePoint> Catalogue { get; set; } = [];

    public IReadOnlyDictionary<uint, LatestValue> Latest { get; set; } = new Dictionary<uint, LatestValue>();

    /// <summary>A copy the worker may change; collections are copied when it changes them.</summary>
    public GatewayState Clone() => new(Id)
    {
        BufferId = BufferId,
        Streams = Streams.ToDictionary(s => s.Key, s => s.Value.Clone(), StringComparer.Ordinal),
        Online = Online,
        HasBirth = HasBirth,
        LastSeenUnixMs = LastSeenUnixMs,
        ReadingsReceived = ReadingsReceived,
        BatchesReceived = BatchesReceived,
        MaxBatchSpanMs = MaxBatchSpanMs,
        SoftwareVersion = SoftwareVersion,
        LightingVersion = LightingVersion,
        ConfigVersion = ConfigVersion,
        Catalogue = Catalogue,
        Latest = Latest,
    };

    /// <summary>The stream of a buffer id, added (empty) when central has not seen it yet.</summary>
    public BufferStream StreamOf(string bufferId, out bool isNew)
    {
        isNew = !Streams.TryGetValue(bufferId, out var stream);
        if (stream is null)
        {
            stream = new BufferStream();
            Streams.Add(bufferId, stream);
        }

        return stream;
    }

    /// <summary>Makes a buffer id's stream the current one (added if new) and sets its epoch.</summary>
    public void SwitchTo(string bufferId, ulong epoch)
    {
        StreamOf(bufferId, out _).Epoch = epoch;
        BufferId = bufferId;
    }

    /// <summary>
    /// An admin's reset: forgets the buffers with their epochs and committed seqs, the catalogue, the software version and
    /// marks the gateway offline, so that its next birth is accepted whatever epoch it carries. Its counters, its largest
    /// batch span (history reads by it) and its admission stay; the latest values are cleared by the worker.
    /// </summary>
    public void ResetRegistration()
    {
        Streams = new Dictionary<string, BufferStream>(StringComparer.Ordinal) { [string.Empty] = new() };
        BufferId = string.Empty;
        Catalogue = [];
        SoftwareVersion = string.Empty;
        LightingVersion = string.Empty;
        ConfigVersion = string.Empty;
        Online = false;
    }

    /// <summary>Restores the current stream and every stream's state (from the store).</summary>
    public void Restore(string bufferId, Dictionary<string, BufferStream> streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        streams.TryAdd(bufferId, new BufferStream());
        Streams = streams;
        BufferId = bufferId;
    }

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
