using BenchmarkDotNet.Running;
using City.Benchmarks;

if (args is ["sizes"])
{
    SizeReport.Print();
    return 0;
}

if (args is ["backlog", ..])
{
    return BacklogReport.Run(args);
}

if (args is [("snmp-agent" or "snmp-walk") and var snmpCommand, ..])
{
    return await City.Benchmarks.Snmp.SnmpCommands.RunAsync(snmpCommand, args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(CodecBenchmarks).Assembly).Run(args);
return 0;
