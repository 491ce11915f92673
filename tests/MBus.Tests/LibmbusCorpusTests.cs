namespace City.MBus.Tests;

/// <summary>
/// Our decoder against libmbus's test corpus (Vectors/libmbus, see its SOURCE.md): every frame decodes to the values, units,
/// storage numbers, tariffs, subunits and functions libmbus's normalized output gives, except the differences listed in
/// <see cref="Disagreements"/>, each with the reason ours is the reading we keep. A new difference, or a listed one that
/// went away, fails the test.
/// </summary>
public sealed class LibmbusCorpusTests
{
    /// <summary>Frame -> the exact differences we accept, and why (also in protocols/MBus/README.md).</summary>
    public static readonly Dictionary<string, (string[] Differences, string Why)> Disagreements = new()
    {
        ["manual_frame2"] = (["telegram: not decoded (CI 0x73 is a fixed data structure, which this decoder does not read)"],
            "fixed data structure (CI 0x73), an old format this stack does not read; the decoder says so instead of guessing"),
        ["sen_pollusonic_2"] = (["telegram: not decoded (CI 0x73 is a fixed data structure, which this decoder does not read)"],
            "fixed data structure (CI 0x73), as above"),
        ["abb_f95"] = (["record 2: value libmbus 1311041.300000, ours 'DDB4EBDD'", "record 3: value libmbus 11.041300, ours 'DDB4EB'"],
            "BCD fields holding 0xD/0xE/0xB digits (values during an error state): libmbus turns invalid digits into a number, ours gives no value and the error 'invalid BCD digit'"),
        ["ELS_Elster-F96-Plus"] = (["record 4: value libmbus 13131113.000000, ours 'BDEBDDDD'", "record 5: value libmbus 131.113000, ours 'BDEBDD'"],
            "invalid BCD digits, as above"),
        ["REL-Relay-Padpuls2"] = (["record 1: text libmbus '1900-01-00T00:00:00Z', ours '2015-07-09T21:33:00'"],
            "a type F date-time with its invalid bit set: libmbus prints a zero date, ours keeps the fields and marks the record 'time marked invalid' (no Time)"),
        ["sen_pollutherm"] = (["record 2: libmbus prints an empty record, ours is reserved VIF 7B = 302"],
            "VIF 0x7B without its extension bit (no table follows): libmbus prints an empty record, ours a record of a reserved VIF with its BCD value"),
    };

    public static TheoryData<string> Frames => new(LibmbusCorpus.FrameNames());

    [Theory]
    [MemberData(nameof(Frames))]
    public void Decodes_the_frame_as_libmbus_does(string name)
    {
        var differences = LibmbusCorpus.Compare(name, out _);
        string[] accepted = Disagreements.TryGetValue(name, out var known) ? known.Differences : [];
        Assert.True(differences.SequenceEqual(accepted), $"{name}:\n" + string.Join('\n', differences));
    }

    [Fact]
    public void The_corpus_is_all_there_and_most_records_agree()
    {
        int frames = 0;
        int records = 0;
        int differing = 0;
        foreach (string name in LibmbusCorpus.FrameNames())
        {
            frames++;
            differing += LibmbusCorpus.Compare(name, out int compared).Count;
            records += compared;
        }

        Assert.Equal(76, frames);
        Assert.True(records > 900, $"{records} records compared");
        Assert.Equal(Disagreements.Values.Sum(d => d.Differences.Length), differing);
    }
}
