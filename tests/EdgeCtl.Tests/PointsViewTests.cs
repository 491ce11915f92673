namespace City.EdgeCtl.Tests;

public sealed class PointsViewTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("2026-11-26T11:59:59.6+00:00", "0.4 s")]
    [InlineData("2026-11-26T11:48:00Z", "12 min")]
    [InlineData("2026-11-26T09:00:00Z", "3 h")]
    [InlineData("2026-11-20T12:00:00Z", "6 d")]
    [InlineData("2026-11-26T12:00:05Z", "future")]
    [InlineData("-", "-")]
    [InlineData("not a time", "-")]
    public void Age_reads_like_a_technician_expects(string timestamp, string expected) =>
        Assert.Equal(expected, PointsView.Age(timestamp, Now));
}
