using System.Buffers;
using System.IO.Pipelines;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// An in-memory serial line: <see cref="MasterStream"/> for <see cref="ModbusRtuTransport"/>, and a scripted slave on the
/// other end that frames requests with <see cref="ModbusRtuFraming.TryReadRequest(ReadOnlySpan{byte}, out byte, out ReadOnlySpan{byte}, out int)"/>
/// and answers with whatever bytes the script returns (null = silence), possibly after a delay.
/// </summary>
internal sealed class InMemoryRtuLine : IAsyncDisposable
{
    private readonly Pipe _toSlave = new();
    private readonly Pipe _toMaster = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _slaveLoop;
    private readonly List<byte[]> _requests = [];

    public InMemoryRtuLine(Func<byte, byte[], SlaveAnswer> script)
    {
        MasterStream = new DuplexPipeStream(_toMaster.Reader, _toSlave.Writer);
        _slaveLoop = Task.Run(() => RunSlaveAsync(script, _stop.Token));
    }

    public DuplexPipeStream MasterStream { get; }

    /// <summary>Raised after each request the slave has framed (whole ADU).</summary>
    public event Action<byte[]>? RequestReceived;

    public IReadOnlyList<byte[]> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public ModbusRtuTransport CreateTransport(TimeProvider? timeProvider = null) =>
        new(MasterStream, new ModbusRtuTiming(115200, 10), timeProvider, MasterStream.DiscardBufferedInput, "in-memory line");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _slaveLoop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task RunSlaveAsync(Func<byte, byte[], SlaveAnswer> script, CancellationToken cancellationToken)
    {
        PipeReader reader = _toSlave.Reader;
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken);
            byte[] buffer = result.Buffer.ToArray();
            OperationStatus status = ModbusRtuFraming.TryReadRequest(buffer, out byte unit, out ReadOnlySpan<byte> pdu, out int consumed);
            if (status == OperationStatus.NeedMoreData)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                continue;
            }

            if (status == OperationStatus.InvalidData)
            {
                reader.AdvanceTo(result.Buffer.End);
                continue;
            }

            byte[] request = buffer[..consumed];
            byte[] pduCopy = pdu.ToArray();
            reader.AdvanceTo(result.Buffer.GetPosition(consumed));
            lock (_requests)
            {
                _requests.Add(request);
            }

            RequestReceived?.Invoke(request);
            SlaveAnswer answer = script(unit, pduCopy);
            if (answer.Bytes is null)
            {
                continue;
            }

            if (answer.HeldUntil is not null)
            {
                await answer.HeldUntil.WaitAsync(cancellationToken);
            }

            await _toMaster.Writer.WriteAsync(answer.Bytes, cancellationToken);
            answer.Sent?.TrySetResult();
        }
    }

    /// <summary>A correctly framed answer from <paramref name="unit"/>.</summary>
    public static byte[] Frame(byte unit, ReadOnlySpan<byte> pdu)
    {
        byte[] adu = new byte[ModbusRtuFraming.MaxAduLength];
        Assert.True(ModbusRtuFraming.TryWriteFrame(unit, pdu, adu, out int written));
        return adu[..written];
    }
}

/// <param name="HeldUntil">The answer goes out only once this completes (a late answer, after the master gave up).</param>
internal readonly record struct SlaveAnswer(byte[]? Bytes, TaskCompletionSource? Sent = null, Task? HeldUntil = null)
{
    public static SlaveAnswer Silence => new(null);
}

/// <summary>A stream that reads from one pipe and writes to another, like the two directions of a serial port.</summary>
internal sealed class DuplexPipeStream(PipeReader input, PipeWriter output) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Like <c>SerialPort.DiscardInBuffer</c>: drops bytes that have arrived but not been read. Call only while no read is pending.</summary>
    public void DiscardBufferedInput()
    {
        while (input.TryRead(out ReadResult result))
        {
            bool empty = result.Buffer.IsEmpty;
            input.AdvanceTo(result.Buffer.End);
            if (empty || result.IsCompleted)
            {
                return;
            }
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ReadResult result = await input.ReadAsync(cancellationToken);
        ReadOnlySequence<byte> data = result.Buffer;
        int count = (int)Math.Min(data.Length, buffer.Length);
        data.Slice(0, count).CopyTo(buffer.Span);
        input.AdvanceTo(data.GetPosition(count));
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        await output.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
