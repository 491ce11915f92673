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

    public ValueTask<DaliBusResult> ExecuteAsync(DaliCommand command, CancellationToken cancellationToken = default) =>
        ExecuteAsync(command, priority: null, cancellationToken);

    /// <summary>
    /// Runs one command; <paramref name="priority"/> overrides the command's own (for example P2 for a poll sweep that must
    /// keep close to the line's limit instead of the default P5 for queries).
    /// </summary>
    public async ValueTask<DaliBusResult> ExecuteAsync(DaliCommand command, DaliPriority? priority, CancellationToken cancellationToken = default)
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

        var transmit = DaliTransmit.For(command);
        if (priority is DaliPriority chosen)
        {
            transmit = transmit with { Priority = chosen };
        }

        return await _master.SendAsync(command.Frame, transmit, cancellationToken).ConfigureAwait(false);
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
