using City.Edge.Dali;
using City.Edge.Devices;
using City.Edge.MBus;
using City.Edge.Modbus;
using City.Edge.Priority;
using City.Edge.Snmp;
using City.Edge.Tic;
using City.Edge.Vms;

namespace City.Edge;

/// <summary>The field protocols this edge is built with; a new protocol is one more driver here and a folder of its own.</summary>
internal static class EdgeProtocols
{
    public static IReadOnlyList<IProtocolDriver> All { get; } = [new ModbusDriver(), new SnmpDriver(), new DaliDriver(), new TicDriver(), new MBusDriver(), new PriorityDriver(), new VmsDriver()];
}
