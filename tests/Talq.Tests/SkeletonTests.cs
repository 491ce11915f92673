using City.Protocols.Talq;

namespace Talq.Tests;

public sealed class SkeletonTests
{
    [Fact]
    public void A_new_set_starts_program_days_at_noon()
    {
        Assert.Equal(12, new LightingSet().DayOffset);
    }
}
