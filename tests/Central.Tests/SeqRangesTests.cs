using City.Central.Model;

namespace City.Central.Tests;

public sealed class SeqRangesTests
{
    [Theory]
    [InlineData("in order", new ulong[] { 1, 2, 3, 4 }, "1-4")]
    [InlineData("gap", new ulong[] { 1, 2, 5, 6 }, "1-2,5-6")]
    [InlineData("gap filled", new ulong[] { 1, 2, 5, 6, 4, 3 }, "1-6")]
    [InlineData("backlog after live", new ulong[] { 100, 101, 1, 2, 3 }, "1-3,100-101")]
    [InlineData("single seqs", new ulong[] { 9, 7, 5 }, "5,7,9")]
    [InlineData("bridging", new ulong[] { 1, 3, 5, 2, 4 }, "1-5")]
    [InlineData("extremes", new ulong[] { ulong.MaxValue, 1, ulong.MaxValue - 1 }, "1,18446744073709551614-18446744073709551615")]
    public void Add_KeepsMergedSortedIntervals(string description, ulong[] seqs, string expected)
    {
        var ranges = new SeqRanges();
        foreach (var seq in seqs)
        {
            Assert.True(ranges.Add(seq), description);
        }

        Assert.Equal(expected, ranges.ToString());
        foreach (var seq in seqs)
        {
            Assert.True(ranges.Contains(seq));
            Assert.False(ranges.Add(seq));
        }
    }

    [Fact]
    public void RandomOrder_MatchesAHashSet()
    {
        var random = new Random(42);
        var ranges = new SeqRanges();
        var reference = new HashSet<ulong>();
        for (var i = 0; i < 5000; i++)
        {
            var seq = (ulong)random.Next(1, 2000);
            Assert.Equal(reference.Add(seq), ranges.Add(seq));
        }

        for (ulong seq = 0; seq < 2100; seq++)
        {
            Assert.Equal(reference.Contains(seq), ranges.Contains(seq));
        }

        for (var i = 1; i < ranges.Ranges.Count; i++)
        {
            Assert.True(ranges.Ranges[i].From > ranges.Ranges[i - 1].To + 1);
        }

        var copy = SeqRanges.From(ranges.Ranges.Reverse());
        Assert.Equal(ranges.ToString(), copy.ToString());
    }
}
