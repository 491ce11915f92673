using System.Net;
using System.Net.Sockets;
using City.Edge.Devices;
using City.Protocols.Ntcip1211;
using Microsoft.Extensions.Logging;

namespace City.Edge.Priority;

/// <summary>
/// Runs a priority device: its on-board units' UDP socket (when Listen is set) and serial link (when SerialPort is set)
/// feeding the device's inbox, and the
/// <see cref="PriorityDeviceRun"/> that sends, tracks and reports the requests.
/// </summary>
internal sealed partial class PriorityDeviceRunner(PriorityRuntime runtime, TimeProvider time, ILogger<PriorityDeviceRunner> logger) : IDeviceRunner
{
    public bool Handles(DeviceDefinition device) => device?.Settings is PrioritySettings;

    public async Task RunAsync(DeviceDefinition device, DeviceRunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        var settings = device.SettingsOf<PrioritySettings>();
        var board = runtime.Board.For(device.Name);
        _ = runtime.Manager; // its socket and receive thread now, not at the first bus's request
        var run = new PriorityDeviceRun(device, settings, new SnmpPriorityController(runtime.Manager, settings), context, time, board);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Socket? socket = null;
        if (settings.Listen is { } listen)
        {
            socket = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(listen);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                context.State.Device(device.Name).RecordPoll(time.GetUtcNow(), false, $"cannot listen on udp {listen}: {ex.Message}", PollErrorKinds.Link);
                throw;
            }

            LogListening(logger, device.Name, listen, settings.Controller.Address);
        }

        using (socket)
        {
            var listener = socket is null ? Task.CompletedTask : ListenAsync(device.Name, socket, stop.Token);
            var serial = settings.Serial is { } line
                ? new PrioritySerialLink(device.Name, line, runtime, context.State.Device(device.Name), time, logger).RunAsync(stop.Token)
                : Task.CompletedTask;
            try
            {
                await run.RunAsync(runtime.Inbox(device.Name).Reader, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await listener.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await serial.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Datagrams from the on-board units into the inbox, timestamped as they arrive; malformed ones are counted.</summary>
    private async Task ListenAsync(string device, Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[512];
        var board = runtime.Board.For(device);
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
            var timestamp = time.GetTimestamp();
            var at = time.GetUtcNow();
            if (ObuDatagram.TryDecode(buffer.AsSpan(0, received.ReceivedBytes), out var message) != ObuDecodeStatus.Ok)
            {
                board.Malformed();
                continue;
            }

            runtime.Offer(device, new PriorityInput(message!, at, timestamp, "obu " + received.RemoteEndPoint));
        }
    }

    public Task<WriteResult> WriteAsync(DeviceDefinition device, DevicePoint point, PointWriteValue value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(point);
        return Task.FromResult(new WriteResult(point.Id, WriteStatus.Refused, $"{point.Id}: a priority device's points are read only (requests come from buses or as priority commands)", value.ToString()));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "bus priority {Device}: on-board units on udp {Listen}, controller {Controller}")]
    private static partial void LogListening(ILogger logger, string device, IPEndPoint listen, IPEndPoint controller);
}
