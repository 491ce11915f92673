using City.Contract;

namespace City.Edge.Buffer;

/// <summary>Stub: marks nothing yet.</summary>
public sealed class ClockGuard(TimeProvider time)
{
    public static readonly DateTimeOffset NotBefore = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(60);

    public TimeProvider Time { get; } = time;

    public long ReadingsMarked => 0;

    public Reading Mark(Reading reading) => reading;
}
