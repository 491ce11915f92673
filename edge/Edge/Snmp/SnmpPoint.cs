using City.Contract.Wire;
using City.Edge.Devices;

namespace City.Edge.Snmp;

/// <summary>
/// A validated point of an SNMP device: the object it reads (<see cref="Snmp"/>: OID, kind, table row), its catalogue type,
/// and for numbers value = raw x <see cref="Scale"/> + <see cref="Offset"/>; <see cref="Bit"/> reduces an integer or BITS
/// value to one bit (a bool point).
/// </summary>
internal sealed record SnmpPoint(string Device, string Name, SnmpPointSettings Snmp, PointType Type, string Unit, int PeriodMs, string Description)
    : DevicePoint(Device, Name, Unit, PeriodMs, Description)
{
    public double Scale { get; init; } = 1;

    public double Offset { get; init; }

    public int? Bit { get; init; }

    public override PointType PointType => Type;

    public override bool IsEvent => Snmp.Kind == SnmpPointKind.Event;
}

/// <summary>Reads the SNMP part of a device.</summary>
internal static class SnmpDevice
{
    extension(DeviceDefinition device)
    {
        /// <summary>Set for snmp devices: address, version, credentials, timeouts.</summary>
        public SnmpDeviceSettings? SnmpSettings => device.Settings as SnmpDeviceSettings;

        public IReadOnlyList<SnmpPoint> SnmpPoints => device.PointsOf<SnmpPoint>();
    }
}
