using BenchmarkDotNet.Running;
using City.Benchmarks;
using City.Benchmarks.Modbus;

if (args is ["sizes"])
{
    SizeReport.Print();
    return 0;
}

if (args is ["dali", ..])
{
    return await DaliSweepReport.RunAsync(args);
}

if (args is ["energy", ..])
{
    return await EnergyBenchmark.RunAsync(args);
}

if (args is ["pg-ingest", ..])
{
    return await PgIngestBenchmark.RunAsync(args);
}

if (args is ["history", ..])
{
    return HistoryBenchmark.Run(args);
}

if (args is ["opendata", ..])
{
    return OpenDataBenchmark.Run(args);
}

if (args is ["edge-path", ..])
{
    return EdgePathReport.Run(args);
}

if (args is ["backlog", ..])
{
    return BacklogReport.Run(args);
}

if (args is ["hostile", "history" or "attack", ..])
{
    return await City.Benchmarks.Hostile.HostileLoad.RunAsync(args);
}

if (args is ["page-scale", ..])
{
    return await City.Benchmarks.PageScale.PageScaleBenchmark.RunAsync(args);
}

switch (args)
{
    case [("snmp-agent" or "snmp-walk" or "priority-set") and var snmpCommand, ..]:
        return await City.Benchmarks.Snmp.SnmpCommands.RunAsync(snmpCommand, args[1..]);
    case ["modbus-rtu", ..]:
        return await ModbusRtuBenchmark.RunAsync(args);
    case ["modbus-rtu-slave", ..]:
        return await ModbusRtuSlaveHost.RunAsync(args);
    case ["modbus-tcp", ..]:
        return await ModbusTcpLoad.RunAsync(args);
    case ["modbus-tcp-slave", ..]:
        return await ModbusTcpSlaveHost.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(CodecBenchmarks).Assembly).Run(args);
return 0;
