using City.Protocols.Snmp;

namespace City.Protocols.Ntcip1211;

/// <summary>The PRG messages as SNMP varbinds (OCTET STRING values of the scalar instances) and back.</summary>
public static class Ntcip1211VarBinds
{
    public static VarBind Request(PriorityRequestMessage request) =>
        new(Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityRequest), SnmpValue.OctetString(PriorityRequestCodec.EncodeRequest(request)));

    public static VarBind Update(PriorityRequestMessage request) =>
        new(Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityUpdate), SnmpValue.OctetString(PriorityRequestCodec.EncodeRequest(request)));

    public static VarBind Cancel(PriorityRequestKey key) =>
        new(Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityCancel), SnmpValue.OctetString(PriorityRequestCodec.EncodeKey(key)));

    public static VarBind Clear(PriorityRequestKey key) =>
        new(Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityClear), SnmpValue.OctetString(PriorityRequestCodec.EncodeKey(key)));

    public static VarBind StatusControl(PriorityRequestKey key) =>
        new(Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityStatusControl), SnmpValue.OctetString(PriorityRequestCodec.EncodeKey(key)));

    public static VarBind StatusBuffer(PriorityStatusMessage status) =>
        new(Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityStatusBuffer), SnmpValue.OctetString(PriorityRequestCodec.EncodeStatus(status)));

    /// <summary>
    /// The status out of a GET of prgPriorityStatusBuffer.0: <see cref="PriorityDecodeStatus.WrongLength"/> also for a varbind
    /// of another OID or type (an exception such as noSuchObject included).
    /// </summary>
    public static PriorityDecodeStatus TryReadStatus(VarBind varBind, out PriorityStatusMessage? status)
    {
        ArgumentNullException.ThrowIfNull(varBind);
        status = null;
        if (varBind.Oid != Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityStatusBuffer) || varBind.Value.Type != SnmpValueType.OctetString)
        {
            return PriorityDecodeStatus.WrongLength;
        }

        return PriorityRequestCodec.TryDecodeStatus(varBind.Value.AsBytes(), out status);
    }
}
