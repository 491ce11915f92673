using BenchmarkDotNet.Running;
using City.Benchmarks;

if (args is ["sizes"])
{
    SizeReport.Print();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(CodecBenchmarks).Assembly).Run(args);
