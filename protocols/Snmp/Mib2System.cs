namespace City.Protocols.Snmp;

/// <summary>Well-known OIDs and the MIB-2 system group (RFC 3418), which every agent is expected to serve.</summary>
public static class Mib2System
{
    public static readonly Oid System = Oid.Parse("1.3.6.1.2.1.1");
    public static readonly Oid SysDescr = System.Append(1);
    public static readonly Oid SysObjectId = System.Append(2);
    public static readonly Oid SysUpTime = System.Append(3);
    public static readonly Oid SysContact = System.Append(4);
    public static readonly Oid SysName = System.Append(5);
    public static readonly Oid SysLocation = System.Append(6);
    public static readonly Oid SysServices = System.Append(7);

    /// <summary>snmpTrapOID.0 (RFC 3418), the second varbind of every v2 notification.</summary>
    public static readonly Oid SnmpTrapOid = Oid.Parse("1.3.6.1.6.3.1.1.4.1.0");

    /// <summary>
    /// Registers sysDescr, sysObjectID, sysUpTime (from <paramref name="upTime"/>), writable sysContact, sysName and
    /// sysLocation (DisplayString, at most 255 bytes), and sysServices.
    /// </summary>
    public static void Register(MibTree mib, Func<uint> upTime, string description, Oid objectId, string contact = "", string name = "", string location = "", int services = 72)
    {
        ArgumentNullException.ThrowIfNull(mib);
        ArgumentNullException.ThrowIfNull(upTime);
        mib.AddScalar(SysDescr, SnmpValue.OctetString(description));
        mib.AddScalar(SysObjectId, SnmpValue.ObjectIdentifier(objectId));
        mib.AddScalar(SysUpTime, () => SnmpValue.TimeTicks(upTime()));
        AddWritableString(mib, SysContact, contact);
        AddWritableString(mib, SysName, name);
        AddWritableString(mib, SysLocation, location);
        mib.AddScalar(SysServices, SnmpValue.Integer(services));
    }

    private static void AddWritableString(MibTree mib, Oid oid, string initial)
    {
        SnmpValue current = SnmpValue.OctetString(initial);
        mib.AddScalar(oid, () => Volatile.Read(ref current), new MibWrite(
            SnmpValueType.OctetString,
            value => Volatile.Write(ref current, value),
            value => value.AsBytes().Length > 255 ? SnmpErrorStatus.WrongLength : SnmpErrorStatus.NoError));
    }
}
