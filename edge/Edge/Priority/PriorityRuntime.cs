using System.Collections.Concurrent;
using System.Threading.Channels;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Commands;
using City.Edge.Devices;
using City.Protocols.Ntcip1211;
using City.Protocols.Snmp;

namespace City.Edge.Priority;

/// <summary>
/// What the priority devices of one edge share: one <see cref="SnmpManager"/> (one UDP socket to the controllers), each
/// device's inbox (bounded: the on-board units' socket and central's commands write, the device's run reads), the board
/// the local API shows. Also where central's priority commands arrive (<see cref="IPriorityCommands"/>).
/// </summary>
internal sealed class PriorityRuntime(EdgeSettings settings, TimeProvider time) : IPriorityCommands, IAsyncDisposable
{
    public const int InboxCapacity = 256;

    private readonly Lazy<SnmpManager> _manager = new(() => SnmpManager.CreateUdp(null, time), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly ConcurrentDictionary<string, Channel<PriorityInput>> _inboxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeviceDefinition> _devices = settings.Devices
        .Where(d => d.Settings is PrioritySettings).ToDictionary(d => d.Name, StringComparer.Ordinal);

    private int _disposed;

    public SnmpManager Manager => _manager.Value;

    public PriorityBoard Board { get; } = new();

    public IReadOnlyCollection<DeviceDefinition> Devices => _devices.Values;

    public Channel<PriorityInput> Inbox(string device) => _inboxes.GetOrAdd(device, _ =>
        Channel.CreateBounded<PriorityInput>(new BoundedChannelOptions(InboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }));

    /// <summary>Hands an input to the device's run; false (and counted) when its inbox is full.</summary>
    public bool Offer(string device, PriorityInput input)
    {
        if (Inbox(device).Writer.TryWrite(input))
        {
            return true;
        }

        Board.For(device).Dropped();
        return false;
    }

    public CommandRefusal? CheckPriority(PriorityRequestAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!_devices.TryGetValue(action.Device, out var device))
        {
            return new CommandRefusal(CommandRejections.UnknownTarget, $"no bus priority device '{action.Device}'");
        }

        if (!device.Enabled)
        {
            return new CommandRefusal(CommandRejections.NotPermitted, $"bus priority device '{action.Device}' is disabled");
        }

        return ToMessage(action, out _) is { } problem ? new CommandRefusal(CommandRejections.OutOfRange, problem) : null;
    }

    public async Task<CommandOutcome> SubmitAsync(PriorityRequestAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ToMessage(action, out var message);
        var done = new TaskCompletionSource<CommandOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Offer(action.Device, new PriorityInput(message!, time.GetUtcNow(), time.GetTimestamp(), "central", done)))
        {
            return new CommandOutcome(false, $"the inbox of '{action.Device}' is full ({InboxCapacity} waiting)");
        }

        using var cancel = cancellationToken.Register(() => done.TrySetCanceled(cancellationToken));
        return await done.Task.ConfigureAwait(false);
    }

    /// <summary>The command as the on-board unit's message it stands for; the problem when it cannot be one.</summary>
    internal static string? ToMessage(PriorityRequestAction action, out ObuMessage? message)
    {
        message = null;
        ObuMessageKind? kind = action.Kind switch
        {
            "" or "request" => ObuMessageKind.CheckIn,
            "update" => ObuMessageKind.Update,
            "check-out" => ObuMessageKind.CheckOut,
            "cancel" => ObuMessageKind.Cancel,
            _ => null,
        };
        if (kind is null)
        {
            return $"kind '{action.Kind}' is not request, update, check-out or cancel";
        }

        if (action.Approach > 255 || action.VehicleClass > 255 || action.ClassLevel > 255 || action.EtaSeconds > ushort.MaxValue || action.DepartureSeconds > ushort.MaxValue)
        {
            return "approach 1-255, class 1-10, times 0-65535 s";
        }

        var departure = action.DepartureSeconds == 0 && ObuDatagram.IsRequest(kind.Value) ? action.EtaSeconds : action.DepartureSeconds;
        var candidate = new ObuMessage(kind.Value, action.VehicleId, action.Route, (byte)action.Approach, (byte)action.VehicleClass,
            (byte)(action.ClassLevel == 0 && ObuDatagram.IsRequest(kind.Value) ? 1 : action.ClassLevel), (ushort)action.EtaSeconds, (ushort)departure);
        if (ObuDatagram.Check(candidate) is { } problem)
        {
            return problem;
        }

        message = candidate;
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as IPriorityCommands: the container disposes it twice, the manager must go once.
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _manager.IsValueCreated)
        {
            await _manager.Value.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>GET /v1/priority: every priority device.</summary>
    public List<PriorityDeviceView> Views() => _devices.Values.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d =>
    {
        var s = d.SettingsOf<PrioritySettings>();
        var (open, recent, counters, ack, malformed, dropped) = Board.For(d.Name).Snapshot();
        return new PriorityDeviceView(d.Name, s.Controller.Address.ToString(), s.BusLinks, d.Enabled, counters, ack, open, recent, malformed, dropped);
    }).ToList();
}
