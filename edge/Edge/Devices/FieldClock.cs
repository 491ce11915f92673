using City.Edge.Configuration;

namespace City.Edge.Devices;

/// <summary>
/// The clock of the field side that a scaled Edge:Clock may replace: the DALI lines (their periods, waits and the timestamps
/// of their readings) and the lighting scheduler run on it. Everything else (the buffer, the forwarder, MQTT, the expiry of
/// commands, the serial masters' wire timeouts) keeps the real clock.
/// </summary>
internal sealed class FieldClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    /// <summary>How many times faster than real time the clock runs (1 without Edge:Clock).</summary>
    public double Speed => (Time as ScaledTimeProvider)?.Speed ?? 1;

    public bool IsScaled => Time is ScaledTimeProvider;

    /// <summary>The span of this clock that lasts <paramref name="real"/> of real time.</summary>
    public TimeSpan FromReal(TimeSpan real) => TimeSpan.FromTicks((long)(real.Ticks * Speed));
}
