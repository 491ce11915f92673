using System.Net;
using City.Edge.Snmp;
using City.Protocols.Snmp;

namespace City.Edge.Tests;

/// <summary>An in-process SNMP agent on 127.0.0.1 holding the NTCIP 1202 objects of the ntcip1202 profile, plus a writable unitControl.</summary>
internal sealed class SnmpTestAgent : IAsyncDisposable
{
    public const string V3User = "ops";
    public const string V3AuthPassword = "auth-passphrase";
    public const string V3PrivPassword = "priv-passphrase";
    public const string RequestedModeOid = Ntcip1202Profile.Asc + ".3.11.0";
    public const string ReadOnlyOid = Ntcip1202Profile.Asc + ".3.12.0";

    private int _shortAlarmStatus;
    private int _requestedMode = 1;

    public SnmpTestAgent()
    {
        var mib = new MibTree();
        Agent = SnmpAgent.CreateUdp(mib, new IPEndPoint(IPAddress.Loopback, 0));
        mib.AddScalar(Oid.Parse(Ntcip1202Profile.UnitControlStatus[..^2]), SnmpValue.Integer(6));
        mib.AddScalar(Oid.Parse(Ntcip1202Profile.UnitFlashStatus[..^2]), SnmpValue.Integer(2));
        mib.AddScalar(Oid.Parse(Ntcip1202Profile.UnitAlarmStatus2[..^2]), SnmpValue.Integer(0));
        mib.AddScalar(Oid.Parse(Ntcip1202Profile.UnitAlarmStatus1[..^2]), SnmpValue.Integer(0x80));
        mib.AddScalar(Oid.Parse(Ntcip1202Profile.ShortAlarmStatus[..^2]), () => SnmpValue.Integer(Volatile.Read(ref _shortAlarmStatus)));
        mib.AddScalar(Oid.Parse(RequestedModeOid[..^2]), () => SnmpValue.Integer(Volatile.Read(ref _requestedMode)),
            new MibWrite(SnmpValueType.Integer, v => Volatile.Write(ref _requestedMode, v.AsInt32()), v => v.AsInt32() is >= 1 and <= 8 ? SnmpErrorStatus.NoError : SnmpErrorStatus.WrongValue));
        mib.AddScalar(Oid.Parse(ReadOnlyOid[..^2]), SnmpValue.Integer(42));
        var phases = mib.AddTable(Oid.Parse(Ntcip1202Profile.PhaseStatusGroupEntry),
            new MibColumn(1, SnmpValueType.Integer), new MibColumn(2, SnmpValueType.Integer), new MibColumn(3, SnmpValueType.Integer), new MibColumn(4, SnmpValueType.Integer));
        phases.SetRow(1, new Dictionary<uint, SnmpValue> { [1] = SnmpValue.Integer(1), [2] = SnmpValue.Integer(0xCC), [3] = SnmpValue.Integer(0x00), [4] = SnmpValue.Integer(0x33) });
        var detectors = mib.AddTable(Oid.Parse(Ntcip1202Profile.VolumeOccupancyEntry), new MibColumn(1, SnmpValueType.Integer), new MibColumn(2, SnmpValueType.Integer));
        for (uint detector = 1; detector <= Ntcip1202Profile.Detectors; detector++)
        {
            detectors.SetRow(detector, new Dictionary<uint, SnmpValue> { [1] = SnmpValue.Integer((int)(10 * detector)), [2] = SnmpValue.Integer((int)detector) });
        }

        Agent.AddCommunity("public", writable: true);
        Agent.AddUser(new UsmUser(V3User, SnmpAuthProtocol.Sha256, V3AuthPassword, SnmpPrivProtocol.Aes128, V3PrivPassword), writable: true);
        Agent.Start();
    }

    public SnmpAgent Agent { get; }

    public int Port => Agent.LocalEndPoint.Port;

    public int ShortAlarmStatus
    {
        get => Volatile.Read(ref _shortAlarmStatus);
        set => Volatile.Write(ref _shortAlarmStatus, value);
    }

    public int RequestedMode => Volatile.Read(ref _requestedMode);

    public ValueTask DisposeAsync() => Agent.DisposeAsync();
}
