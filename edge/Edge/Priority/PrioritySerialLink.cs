using City.Edge.Devices;
using City.Protocols.Ntcip1211;
using City.Protocols.Serial;
using Microsoft.Extensions.Logging;

namespace City.Edge.Priority;

/// <summary>
/// The on-board units' serial link of a priority device (SerialPort): the same datagrams as over UDP, back to back on the
/// line (<see cref="ObuFraming"/> finds them), each into the device's inbox timestamped as its last byte is read. Noise and
/// broken datagrams are dropped a byte at a time and counted as malformed; a datagram left unfinished by a silence of
/// <see cref="Gap"/> is dropped when the next bytes arrive. The port is opened again after an error.
/// </summary>
internal sealed partial class PrioritySerialLink(string device, SerialLineSettings line, PriorityRuntime runtime, DeviceState state, TimeProvider time, ILogger logger)
{
    /// <summary>A datagram's bytes follow each other; this much silence inside one means it was broken off.</summary>
    public static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan ReopenAfter = TimeSpan.FromSeconds(5);

    private readonly byte[] _buffer = new byte[4 * ObuDatagram.MaxLength];
    private int _filled;
    private bool _inGarbage;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            SerialConnection connection;
            try
            {
                connection = SerialConnection.Open(line);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                state.RecordPoll(time.GetUtcNow(), false, $"cannot open the on-board units' serial link {line.PortName}: {ex.Message}", PollErrorKinds.Link);
                await Task.Delay(ReopenAfter, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            LogOpened(logger, device, line.PortName, line.BaudRate, connection.Kind.ToString());
            using (connection)
            {
                // A serial read does not always observe cancellation: closing the port ends it.
                using var close = cancellationToken.Register(connection.Dispose);
                try
                {
                    await ReadAsync(connection.Stream, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }

                    state.RecordPoll(time.GetUtcNow(), false, $"the on-board units' serial link {line.PortName} failed: {ex.Message}", PollErrorKinds.Link);
                }
            }

            await Task.Delay(ReopenAfter, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        long lastRead = time.GetTimestamp();
        while (true)
        {
            int read = await stream.ReadAsync(_buffer.AsMemory(_filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("end of stream");
            }

            var timestamp = time.GetTimestamp();
            if (_filled > 0 && time.GetElapsedTime(lastRead, timestamp) > Gap)
            {
                Drop(_filled); // broken off by the silence before these bytes
            }

            lastRead = timestamp;
            _filled += read;
            Frames(timestamp, time.GetUtcNow());
        }
    }

    /// <summary>Every whole datagram at the start of the buffer into the inbox; what cannot start one is dropped.</summary>
    private void Frames(long timestamp, DateTimeOffset at)
    {
        while (true)
        {
            switch (ObuFraming.Find(_buffer.AsSpan(0, _filled), out int length))
            {
                case ObuFrameStatus.Frame:
                    ObuDatagram.TryDecode(_buffer.AsSpan(0, length), out var message);
                    runtime.Offer(device, new PriorityInput(message!, at, timestamp, "serial " + line.PortName));
                    _inGarbage = false;
                    Shift(length);
                    break;
                case ObuFrameStatus.Garbage:
                    Drop(1);
                    break;
                default:
                    return;
            }
        }
    }

    /// <summary>Drops bytes that are no datagram: one malformed count per run of them.</summary>
    private void Drop(int count)
    {
        if (!_inGarbage)
        {
            runtime.Board.For(device).Malformed();
            _inGarbage = true;
        }

        Shift(count);
    }

    private void Shift(int count)
    {
        _buffer.AsSpan(count, _filled - count).CopyTo(_buffer);
        _filled -= count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "bus priority {Device}: on-board units on serial {Port} at {Baud} baud ({Transport})")]
    private static partial void LogOpened(ILogger logger, string device, string port, int baud, string transport);
}
