using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace City.Edge.Hosting;

/// <summary>
/// The systemd lifetime of one run of the daemon's loops (the edge rebuilds them on a configuration reload): READY=1 when
/// the run has started, STOPPING=1 only when the process itself is stopping, never when a run ends to make way for the
/// next (systemd would take the service for stopping). SIGTERM and SIGINT stop the run, as AddSystemd's own lifetime does.
/// </summary>
internal sealed class RunAwareSystemdLifetime(IHostApplicationLifetime lifetime, ISystemdNotifier notifier, Func<bool> replacingRun) : IHostLifetime, IDisposable
{
    private readonly List<IDisposable> _registrations = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(lifetime.ApplicationStarted.Register(() => notifier.Notify(ServiceState.Ready)));
        _registrations.Add(lifetime.ApplicationStopping.Register(() =>
        {
            if (!replacingRun())
            {
                notifier.Notify(ServiceState.Stopping);
            }
        }));
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                lifetime.StopApplication();
            }));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _registrations.Clear();
    }
}
