namespace City.Fuzzing.Tests;

/// <summary>
/// Every fuzzing target over its committed seed corpus (tests/Fuzzing/corpus/TARGET: specification examples, test
/// vectors, encoder output) and seeded mutations of it: nothing escapes a decoder. afl's coverage-guided runs are benchmarks/fuzz.sh.
/// </summary>
public sealed class MutationPassTests
{
    /// <summary>Inputs per target; the command target signs and verifies each parsed body (ECDSA), so it gets fewer.</summary>
    private static int InputsFor(string target) => target == "contract-command" ? 2_000 : 16_000;

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Mutated_inputs_never_escape_the_decoder(string name)
    {
        FuzzTarget target = FuzzTargets.Find(name)!;
        string folder = Path.Combine(AppContext.BaseDirectory, "corpus", name);
        byte[][] corpus = Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        Assert.NotEmpty(corpus);

        int run = 0;
        foreach (byte[] input in new Mutations(seed: 18).Of(corpus, InputsFor(name)))
        {
            try
            {
                target.Run(input);
            }
#pragma warning disable CA1031 // Whatever escapes is the finding: name the input so that it can be replayed.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Assert.Fail($"{name}: input {run} ({input.Length} bytes) {Convert.ToHexString(input)} threw {ex}");
            }

            run++;
        }

        Assert.Equal(InputsFor(name), run);
    }

    [Fact]
    public void Every_target_has_a_committed_corpus()
    {
        foreach (FuzzTarget target in FuzzTargets.All)
        {
            Assert.True(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "corpus", target.Name)), $"tests/Fuzzing/corpus/{target.Name} is missing");
        }
    }
}
