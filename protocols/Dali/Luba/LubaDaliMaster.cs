using System.Threading.Channels;

namespace City.Protocols.Dali.Luba;

/// <summary>Timing and line selection for <see cref="LubaDaliMaster"/>.</summary>
public sealed record LubaMasterOptions
{
    /// <summary>DALI line number on the interface (the RS232 interface has one line, 0).</summary>
    public byte Line { get; init; }

    /// <summary>How long the interface may take to accept a frame and to report it sent (the bus may be busy).</summary>
    public TimeSpan InterfaceTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long to wait for a backward frame after the interface reports the forward frame sent. On the wire the answer
    /// ends at most 10.5 + 7.5 = 18 ms after the forward frame; the rest is serial latency.
    /// </summary>
    public TimeSpan AnswerWindow { get; init; } = TimeSpan.FromMilliseconds(40);
}

/// <summary>
/// The host side of Lunatone's LUBA protocol as an <see cref="IDaliMaster"/>: sends ADD DALI FRAME TO TX BUFFER, waits for
/// the interface to accept it and to report it sent (twice for send-twice), then for a backward frame within the answer
/// window. Frames move through a <see cref="LubaTransport"/>; one transaction at a time.
/// </summary>
public sealed class LubaDaliMaster : IDaliMaster, IAsyncDisposable
{
    public const int BaudRate = LubaTransport.BaudRate;
    private const int MaxAnswerWindowExtensions = 3;

    private readonly LubaTransport _transport;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _answerWindowExtensions;

    /// <summary>Runs transactions over <paramref name="transport"/>, which is disposed with the master.</summary>
    public LubaDaliMaster(LubaTransport transport, LubaMasterOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        Options = options ?? new LubaMasterOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Runs transactions over an open byte stream (tests, a TCP-to-serial converter).</summary>
    public LubaDaliMaster(Stream stream, LubaMasterOptions? options = null, TimeProvider? timeProvider = null, string? name = null)
        : this(new LubaTransport(stream, name), options, timeProvider)
    {
    }

    public LubaMasterOptions Options { get; }

    public string Name => _transport.Name;

    /// <summary>Byte runs that were not valid LUBA frames.</summary>
    public long BadFrames => _transport.BadFrames;

    /// <summary>Messages dropped because nobody consumed them in time.</summary>
    public long DroppedMessages => _transport.DroppedMessages;

    /// <summary>Answer windows extended because bytes had arrived but were not parsed yet.</summary>
    public long AnswerWindowExtensions => Interlocked.Read(ref _answerWindowExtensions);

    /// <summary>Opens a serial port at 38400 baud 8N1, no handshake, as the RS232 interface expects.</summary>
    public static LubaDaliMaster Open(string portName, LubaMasterOptions? options = null, TimeProvider? timeProvider = null) =>
        new(LubaTransport.Open(portName), options, timeProvider);

    public async ValueTask<DaliBusResult> SendAsync(DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken)
    {
        // default(DaliTransmit) carries priority 0: send it as the lowest priority.
        var priority = transmit.Priority is >= DaliPriority.P1 and <= DaliPriority.P5 ? transmit.Priority : DaliPriority.P5;
        var request = new LubaTransmitRequest(Options.Line, frame, priority, transmit.SendTwice);
        var buffer = new byte[LubaFraming.MaxFrameLength];
        if (!request.TryWrite(buffer, out int length, out var error))
        {
            throw new ArgumentException($"Frame {frame} cannot be sent through LUBA: {error}.", nameof(frame));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _transport.DiscardPending();
            await _transport.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);

            byte frameId = 0;
            var accepted = await WaitForAsync(
                Options.InterfaceTimeout,
                m => m switch
                {
                    LubaInbound.TransmitResponse r => r.Response.Accepted
                        ? Done(DaliBusResult.Sent, () => frameId = r.Response.FrameId)
                        : r.Response.ErrorCode == LubaTransmitResponse.ErrorBusPowerFailure
                            ? DaliBusResult.BusPowerFailure
                            : new DaliBusResult(DaliBusOutcome.InterfaceRejected, r.Response.ErrorCode),
                    LubaInbound.Event { Message: { Type: LubaEventType.BusState, Info: LubaEvent.InfoBusPowerFailure } } => DaliBusResult.BusPowerFailure,
                    _ => null,
                },
                cancellationToken).ConfigureAwait(false);
            if (accepted.Outcome != DaliBusOutcome.Sent)
            {
                return accepted;
            }

            for (int copies = transmit.SendTwice ? 2 : 1; copies > 0; copies--)
            {
                var sent = await WaitForAsync(
                    Options.InterfaceTimeout,
                    m => m switch
                    {
                        LubaInbound.Event { Message: { Type: LubaEventType.FrameSent } e } when e.FrameId == frameId || e.Data == frame.Data => DaliBusResult.Sent,
                        LubaInbound.Event { Message: { Type: LubaEventType.BusState, Info: LubaEvent.InfoBusPowerFailure } } => DaliBusResult.BusPowerFailure,
                        _ => null,
                    },
                    cancellationToken).ConfigureAwait(false);
                if (sent.Outcome != DaliBusOutcome.Sent)
                {
                    return sent;
                }
            }

            if (!transmit.ExpectAnswer)
            {
                return DaliBusResult.Sent;
            }

            // Bytes received but not yet parsed may hold the answer (a starved reader): they get up to three more windows.
            DaliBusResult answer;
            int extensions = 0;
            while (true)
            {
                answer = await WaitForAsync(
                    Options.AnswerWindow,
                    m => m switch
                    {
                        LubaInbound.Event { Message: { IsBackwardFrame: true } e } => DaliBusResult.Answer(e.BackwardValue),
                        LubaInbound.Event { Message: { IsFramingError: true } } => DaliBusResult.FramingError,
                        LubaInbound.Event { Message: { Type: LubaEventType.BusState, Info: LubaEvent.InfoBusPowerFailure } } => DaliBusResult.BusPowerFailure,
                        _ => null,
                    },
                    cancellationToken).ConfigureAwait(false);
                if (answer.Outcome != DaliBusOutcome.InterfaceTimeout || extensions == MaxAnswerWindowExtensions || !_transport.HasUnreadInput())
                {
                    break;
                }

                extensions++;
                Interlocked.Increment(ref _answerWindowExtensions);
            }

            return answer.Outcome == DaliBusOutcome.InterfaceTimeout ? DaliBusResult.NoAnswer : answer;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Asks the interface for its device information (set 0); null when it does not answer in time.</summary>
    public async Task<LubaDeviceInfo?> QueryDeviceInfoAsync(CancellationToken cancellationToken = default)
    {
        var buffer = new byte[LubaFraming.MaxFrameLength];
        new LubaDeviceInfoQuery(0).TryWrite(buffer, out int length, out _);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _transport.DiscardPending();
            await _transport.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            LubaDeviceInfo? info = null;
            await WaitForAsync(
                Options.InterfaceTimeout,
                m => m is LubaInbound.DeviceInfo d ? Done(DaliBusResult.Sent, () => info = d.Info) : null,
                cancellationToken).ConfigureAwait(false);
            return info;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _transport.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    private static DaliBusResult Done(DaliBusResult result, Action capture)
    {
        capture();
        return result;
    }

    /// <summary>Reads messages until <paramref name="match"/> returns a result; InterfaceTimeout when the time runs out.</summary>
    private async Task<DaliBusResult> WaitForAsync(TimeSpan timeout, Func<LubaInbound, DaliBusResult?> match, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            while (true)
            {
                LubaInbound message;
                try
                {
                    message = await _transport.Inbound.ReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (ChannelClosedException ex)
                {
                    throw new IOException($"The LUBA interface on {Name} is gone: {ex.InnerException?.Message ?? "the stream ended"}.", ex.InnerException ?? ex);
                }

                if (match(message) is { } result)
                {
                    return result;
                }
            }
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return DaliBusResult.InterfaceTimeout;
        }
    }

}
