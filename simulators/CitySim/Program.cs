using System.CommandLine;
using City.Sim.Dali;
using City.Sim.Devices;
using City.Sim.Load;
using City.Sim.MBus;
using City.Sim.Snmp;
using City.Sim.Tic;
using City.Sim.Vms;

var root = new RootCommand("citysim: simulated street-cabinet hardware (Modbus meters, traffic controllers) and gateway load for the city edge/central stack")
{
    MeterCommand.Create(TimeProvider.System),
    ModbusCommand.Create(TimeProvider.System),
    LoadCommand.Create(TimeProvider.System),
    DaliLineCommand.Create(TimeProvider.System),
    SnmpCommand.Create(TimeProvider.System),
    TicCommand.Create(TimeProvider.System),
    MBusLineCommand.Create(TimeProvider.System),
    VmsCommand.Create(TimeProvider.System),
};

var parse = root.Parse(args);
var exitCode = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) }).ConfigureAwait(false);

// An unknown command or option (System.CommandLine names it and prints the help) is exit code 2, as for edge and
// central; 1 stays a command that failed.
return parse.Action is System.CommandLine.Invocation.ParseErrorAction ? 2 : exitCode;
