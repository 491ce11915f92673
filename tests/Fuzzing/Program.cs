using City.Fuzzing;
using SharpFuzz;

// fuzzing list                       the targets
// fuzzing assemblies TARGET          the assemblies to instrument for TARGET (benchmarks/fuzz.sh)
// fuzzing seed TARGET|all DIR        writes the seeds of TARGET (or of every target) to DIR/TARGET/
// fuzzing replay TARGET FILE|DIR...  runs files (a crash or hang afl saved) through TARGET and prints what escapes
// fuzzing TARGET                     under afl-fuzz: the persistent loop (SharpFuzz's in-process fork server)
if (args.Length == 0)
{
    return Usage();
}

switch (args[0])
{
    case "list":
        foreach (FuzzTarget t in FuzzTargets.All)
        {
            Console.WriteLine(t.Name);
        }

        return 0;
    case "assemblies" when args.Length == 2 && FuzzTargets.Find(args[1]) is { } target:
        Console.WriteLine(string.Join('\n', target.Assemblies));
        return 0;
    case "seed" when args.Length == 3:
        return Seed(args[1], args[2]);
    case "replay" when args.Length >= 3 && FuzzTargets.Find(args[1]) is { } target:
        return Replay(target, args[2..]);
    default:
        if (args.Length == 1 && FuzzTargets.Find(args[0]) is { } fuzzed)
        {
            var buffer = new byte[1 << 20];
            Fuzzer.Run(stream =>
            {
                int length = 0;
                int read;
                while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
                {
                    length += read;
                }

                fuzzed.Run(buffer.AsSpan(0, length));
            });
            return 0;
        }

        return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("usage: fuzzing list | assemblies TARGET | seed TARGET|all DIR | replay TARGET FILE|DIR... | TARGET");
    Console.Error.WriteLine("targets: " + string.Join(' ', FuzzTargets.All.Select(t => t.Name)));
    return 2;
}

static int Seed(string name, string directory)
{
    var targets = name == "all" ? FuzzTargets.All : FuzzTargets.Find(name) is { } one ? [one] : [];
    if (targets.Count == 0)
    {
        return Usage();
    }

    foreach (FuzzTarget target in targets)
    {
        string folder = Path.Combine(directory, target.Name);
        Directory.CreateDirectory(folder);
        int index = 0;
        foreach (byte[] seed in target.Seeds())
        {
            File.WriteAllBytes(Path.Combine(folder, $"seed-{index++:D3}.bin"), seed);
        }

        Console.WriteLine($"{target.Name}: {index} seeds in {folder}");
    }

    return 0;
}

static int Replay(FuzzTarget target, string[] paths)
{
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Where(f => !f.EndsWith("README.txt", StringComparison.Ordinal)) : [p]).Order(StringComparer.Ordinal);
    int failures = 0;
    foreach (string file in files)
    {
        byte[] input = File.ReadAllBytes(file);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            target.Run(input);
            Console.WriteLine($"ok   {file} ({input.Length} bytes, {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms)");
        }
#pragma warning disable CA1031 // Replay reports whatever escapes the decoder: that is the finding.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failures++;
            Console.WriteLine($"FAIL {file} ({input.Length} bytes): {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 64)))}");
            Console.WriteLine(ex);
        }
    }

    return failures == 0 ? 0 : 1;
}
