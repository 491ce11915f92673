namespace City.Edge.Devices;

/// <summary>
/// How a silent device is backed off: after <see cref="AfterFailures"/> consecutive cycles without an answer, it is asked
/// only every <see cref="EveryNthCycle"/>th cycle or once <see cref="MaxInterval"/> has passed since the last attempt.
/// </summary>
internal sealed record PollBackoff(int AfterFailures, int EveryNthCycle, TimeSpan MaxInterval)
{
    public static PollBackoff Default { get; } = new(3, 10, TimeSpan.FromSeconds(30));
}
