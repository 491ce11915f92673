namespace City.TestSupport;

/// <summary>Waits for a condition in tests. The deadline is not a speed test: it only keeps a broken build from hanging.</summary>
public static class Until
{
    private const int Polls = 1500;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static Task TrueAsync(Func<bool> condition, string what) => TrueAsync(() => Task.FromResult(condition()), what);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        for (var i = 0; i < Polls; i++)
        {
            if (await condition().ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }

        throw new TimeoutException("Timed out waiting for: " + what);
    }
}
