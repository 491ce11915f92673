using BenchmarkDotNet.Running;
using City.Benchmarks;

if (args is ["sizes"])
{
    SizeReport.Print();
    return 0;
}

if (args is ["dali", ..])
{
    return await DaliSweepReport.RunAsync(args);
}

if (args is ["backlog", ..])
{
    return BacklogReport.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(CodecBenchmarks).Assembly).Run(args);
return 0;
