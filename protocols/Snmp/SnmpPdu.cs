namespace City.Protocols.Snmp;

/// <summary>
/// An SNMP PDU. For GetBulkRequest the error-status and error-index slots carry non-repeaters and max-repetitions
/// (<see cref="NonRepeaters"/>, <see cref="MaxRepetitions"/>). A v1 Trap-PDU carries its own fields in <see cref="TrapV1"/>.
/// </summary>
public sealed class SnmpPdu
{
    public SnmpPdu(SnmpPduType type, int requestId, IReadOnlyList<VarBind> varBinds, int errorStatus = 0, int errorIndex = 0)
    {
        Type = type;
        RequestId = requestId;
        VarBinds = varBinds;
        RawErrorStatus = errorStatus;
        ErrorIndex = errorIndex;
    }

    public SnmpPduType Type { get; }

    public int RequestId { get; }

    /// <summary>The error-status slot as sent (for GetBulk: non-repeaters).</summary>
    public int RawErrorStatus { get; }

    public SnmpErrorStatus ErrorStatus => (SnmpErrorStatus)RawErrorStatus;

    /// <summary>1-based index of the varbind in error (for GetBulk: max-repetitions).</summary>
    public int ErrorIndex { get; }

    public int NonRepeaters => RawErrorStatus;

    public int MaxRepetitions => ErrorIndex;

    public IReadOnlyList<VarBind> VarBinds { get; }

    public SnmpTrapV1Fields? TrapV1 { get; private init; }

    public static SnmpPdu GetBulk(int requestId, int nonRepeaters, int maxRepetitions, IReadOnlyList<VarBind> varBinds) =>
        new(SnmpPduType.GetBulkRequest, requestId, varBinds, nonRepeaters, maxRepetitions);

    public static SnmpPdu CreateTrapV1(SnmpTrapV1Fields fields, IReadOnlyList<VarBind> varBinds) =>
        new(SnmpPduType.TrapV1, 0, varBinds) { TrapV1 = fields };

    public SnmpPdu WithRequestId(int requestId) => new(Type, requestId, VarBinds, RawErrorStatus, ErrorIndex) { TrapV1 = TrapV1 };

    /// <summary>The response a receiver of this request returns: same request id, the given error and varbinds.</summary>
    public SnmpPdu ToResponse(IReadOnlyList<VarBind> varBinds, SnmpErrorStatus errorStatus = SnmpErrorStatus.NoError, int errorIndex = 0) =>
        new(SnmpPduType.Response, RequestId, varBinds, (int)errorStatus, errorIndex);

    public override string ToString() =>
        $"{Type} id={RequestId} status={RawErrorStatus} index={ErrorIndex} [{string.Join("; ", VarBinds)}]";
}

/// <summary>The fields of a v1 Trap-PDU before its varbinds (RFC 1157).</summary>
public sealed record SnmpTrapV1Fields(Oid Enterprise, System.Net.IPAddress AgentAddress, SnmpGenericTrap GenericTrap, int SpecificTrap, uint TimeStamp);
