namespace City.Fuzzing;

/// <summary>Runs one input through a decoder the way its callers do. Any exception that escapes is a finding.</summary>
public delegate void FuzzInput(ReadOnlySpan<byte> input);

/// <summary>
/// One fuzzing target: its name (the harness's argument and the corpus folder, corpus/NAME), the assemblies whose
/// branches afl should see (instrumented by benchmarks/fuzz.sh), the run, and the seeds that start its corpus.
/// </summary>
public sealed record FuzzTarget(string Name, string[] Assemblies, FuzzInput Run, Func<IEnumerable<byte[]>> Seeds);
