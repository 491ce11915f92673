using Xunit.Abstractions;
using Xunit.Sdk;

namespace City.Browser.Tests;

/// <summary>
/// The shared rig's log: lines go to the test that is running (<see cref="Attach"/>); before the first test and after
/// the last (start-up, the processes' output at the end) they go to the runner's diagnostic messages.
/// </summary>
internal sealed class RigLog(IMessageSink sink) : ITestOutputHelper
{
    private readonly Lock _gate = new();
    private ITestOutputHelper? _current;

    public void Attach(ITestOutputHelper? output)
    {
        lock (_gate)
        {
            _current = output;
        }
    }

    public void WriteLine(string message)
    {
        ITestOutputHelper? current;
        lock (_gate)
        {
            current = _current;
        }

        if (current is null)
        {
            sink.OnMessage(new DiagnosticMessage(message));
            return;
        }

        try
        {
            current.WriteLine(message);
        }
        catch (InvalidOperationException)
        {
            // The test that was attached has ended (xunit refuses output then): the line goes to the runner instead.
            sink.OnMessage(new DiagnosticMessage(message));
        }
    }

    public void WriteLine(string format, params object[] args) => WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
}
