using City.Contract.Wire;

namespace City.Edge.Devices;

/// <summary>
/// One point of a device as the core sees it: its id, unit, catalogue type and period. Each protocol derives its own point
/// with the addressing it needs (a Modbus register, an SNMP OID, a DALI gear quantity).
/// </summary>
internal abstract record DevicePoint(string Device, string Name, string Unit, int PeriodMs, string Description)
{
    /// <summary>Stable id, "{device}/{point}".</summary>
    public string Id => $"{Device}/{Name}";

    /// <summary>Alias from the persisted alias map; 0 until the catalogue assigned it.</summary>
    public uint Alias { get; init; }

    /// <summary>Whether the local API (and later central) may write the point.</summary>
    public bool Writable { get; init; }

    public abstract PointType PointType { get; }

    /// <summary>A text point the buffer sends in EVENTS batches rather than in telemetry.</summary>
    public virtual bool IsEvent => false;
}
