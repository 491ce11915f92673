namespace City.Protocols.Dali;

/// <summary>
/// Runs <see cref="DaliCommand"/>s on one line through a master interface: sends ENABLE DEVICE TYPE before device-type
/// commands and passes send-twice, priority and "expects an answer" to the interface. Bus conditions come back as results.
/// </summary>
public sealed class DaliClient
{
    private readonly IDaliMaster _master;

    public DaliClient(IDaliMaster master, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(master);
        _master = master;
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    public TimeProvider TimeProvider { get; }

    public async ValueTask<DaliBusResult> ExecuteAsync(DaliCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.DeviceType != 0)
        {
            var enable = DaliSpecial.EnableDeviceType(command.DeviceType);
            var enabled = await _master.SendAsync(enable.Frame, DaliTransmit.For(enable), cancellationToken).ConfigureAwait(false);
            if (!enabled.BusWorked)
            {
                return enabled;
            }
        }

        return await _master.SendAsync(command.Frame, DaliTransmit.For(command), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the commands in order and stops at the first one the bus or the interface could not carry.</summary>
    public async ValueTask<DaliBusResult> ExecuteAllAsync(IEnumerable<DaliCommand> commands, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var last = DaliBusResult.Sent;
        foreach (var command in commands)
        {
            last = await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
            if (!last.BusWorked)
            {
                return last;
            }
        }

        return last;
    }

    /// <summary>Sets DTR0 and then runs a configuration command that takes its value from DTR0 (SET MAX LEVEL, SET SCENE...).</summary>
    public async ValueTask<DaliBusResult> ConfigureWithDtr0Async(byte value, DaliCommand command, CancellationToken cancellationToken = default)
    {
        var dtr = await ExecuteAsync(DaliSpecial.Dtr0(value), cancellationToken).ConfigureAwait(false);
        return dtr.BusWorked ? await ExecuteAsync(command, cancellationToken).ConfigureAwait(false) : dtr;
    }
}
