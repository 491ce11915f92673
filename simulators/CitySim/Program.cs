using System.CommandLine;
using City.Sim.Dali;
using City.Sim.Devices;
using City.Sim.Load;
using City.Sim.Snmp;

var root = new RootCommand("citysim: simulated street-cabinet hardware (Modbus meters, traffic controllers) and gateway load for the city edge/central stack")
{
    MeterCommand.Create(TimeProvider.System),
    ModbusCommand.Create(TimeProvider.System),
    LoadCommand.Create(TimeProvider.System),
    DaliLineCommand.Create(TimeProvider.System),
    SnmpCommand.Create(TimeProvider.System),
};

return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) }).ConfigureAwait(false);
