using City.Fuzzing.Targets;

namespace City.Fuzzing;

/// <summary>
/// Every target. Adding a decoder: a static class under Targets/ with a Run(ReadOnlySpan&lt;byte&gt;) and its seeds, one
/// line here, then `dotnet run --project tests/Fuzzing -- seed NAME` writes its corpus folder (commit it).
/// </summary>
public static class FuzzTargets
{
    private const string Contract = "City.Contract.dll";
    private const string Modbus = "City.Protocols.Modbus.dll";
    private const string Snmp = "City.Protocols.Snmp.dll";
    private const string Dali = "City.Protocols.Dali.dll";
    private const string Ntcip1211 = "City.Protocols.Ntcip1211.dll";
    private const string Ntcip1203 = "City.Protocols.Ntcip1203.dll";

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("contract-batch", [Contract, "central.dll"], ContractTargets.Batch, ContractSeeds.Batches),
        new("contract-birth", [Contract, "central.dll"], ContractTargets.BirthAndDeath, ContractSeeds.Births),
        new("contract-ack", [Contract, "City.Contract.Mqtt.dll"], ContractTargets.AckAndResult, ContractSeeds.Acks),
        new("contract-command", [Contract, "City.Contract.Mqtt.dll", "edge.dll"], ContractTargets.Command, ContractSeeds.Commands),
        new("modbus-tcp-master", [Modbus], ModbusTargets.TcpMaster, ModbusSeeds.TcpResponses),
        new("modbus-tcp-slave", [Modbus], ModbusTargets.TcpSlave, ModbusSeeds.TcpRequests),
        new("modbus-rtu-master", [Modbus], ModbusTargets.RtuMaster, ModbusSeeds.RtuResponses),
        new("modbus-rtu-slave", [Modbus], ModbusTargets.RtuSlave, ModbusSeeds.RtuRequests),
        new("snmp-agent", [Snmp], SnmpTargets.Agent, SnmpSeeds.Requests),
        new("snmp-manager", [Snmp], SnmpTargets.Manager, SnmpSeeds.Responses),
        new("luba", [Dali], DaliTargets.Luba, DaliSeeds.LubaFrames),
        new("dali-d4i", [Dali], DaliTargets.D4iBanks, DaliSeeds.D4iBanks),
        new("tic", ["City.Protocols.Tic.dll"], MeterTargets.Tic, MeterSeeds.TicFrames),
        new("mbus", ["City.Protocols.MBus.dll"], MeterTargets.MBus, MeterSeeds.MBusFrames),
        new("talq-json", ["City.Protocols.Talq.dll"], TalqTargets.Json, TalqSeeds.Documents),
        new("ntcip1211-obu", [Ntcip1211], Ntcip1211Targets.ObuDatagrams, Ntcip1211Seeds.ObuDatagrams),
        new("ntcip1211-prg", [Ntcip1211], Ntcip1211Targets.PrgMessages, Ntcip1211Seeds.PrgMessages),
        new("ntcip1203-multi", [Ntcip1203], Ntcip1203Targets.Multi, Ntcip1203Seeds.MultiStrings),
        new("ntcip1203-objects", [Ntcip1203], Ntcip1203Targets.Objects, Ntcip1203Seeds.Objects),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
}
