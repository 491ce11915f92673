using City.Edge.Forwarding;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

public sealed class CommandResultPumpTests
{
    [Fact]
    public void With_no_result_in_flight_the_pump_waits_for_a_signal_not_for_a_zero_timeout()
    {
        // A zero wait with nothing to resend made the pump loop without pause on a whole core for every connected edge.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 6, 0, 0, TimeSpan.Zero));
        var pump = new CommandResultPump(null!, null!, TimeSpan.FromSeconds(10), time, NullLogger.Instance);

        Assert.Equal(Timeout.InfiniteTimeSpan, pump.TimeUntilNextResend(time.GetUtcNow()));
    }
}
