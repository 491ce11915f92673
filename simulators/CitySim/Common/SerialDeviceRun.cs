namespace City.Sim.Common;

/// <summary>Runs a simulated device on a serial line until Ctrl-C/SIGTERM.</summary>
internal static class SerialDeviceRun
{
    /// <summary>
    /// Runs <paramref name="run"/>; cancellation also calls <paramref name="close"/> (a serial read or write does not always
    /// observe cancellation: closing the port ends it). 0 when stopped, 1 (logged) when the line failed.
    /// </summary>
    public static async Task<int> UntilStoppedAsync(string device, Func<CancellationToken, Task> run, Action close, CancellationToken cancellationToken)
    {
        using (cancellationToken.Register(close))
        {
            try
            {
                await run(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested
                && ex is OperationCanceledException or ObjectDisposedException or IOException or InvalidOperationException)
            {
                // Stopped by Ctrl-C/SIGTERM.
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                ConsoleOutput.Log($"{device} failed: {ex.Message}");
                return 1;
            }
        }

        return 0;
    }
}
