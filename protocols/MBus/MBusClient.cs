namespace City.Protocols.MBus;

/// <summary>Options of <see cref="MBusClient"/>.</summary>
public sealed record MBusClientOptions
{
    /// <summary>How many times a request is sent again after silence or a garbled answer (a read, a reset, a selection).</summary>
    public int Retries { get; init; } = 2;
}

/// <summary>The result of selecting by secondary address: nobody, exactly one slave, or several at once (a collision).</summary>
public enum MBusSelection
{
    None,
    One,
    Collision,
}

/// <summary>A slave did not answer, or answered something that is not what the request asks for.</summary>
public sealed class MBusException(string message) : Exception(message);

/// <summary>
/// The master's link and application procedures over an <see cref="IMBusLine"/>: SND_NKE, REQ_UD2 with the frame count
/// bit toggled per slave (a repeated request keeps it, so the slave repeats its last answer), selection by secondary
/// address, and decoding of the RSP_UD. Requests are serialized: one client per line, shared by everything that polls it.
/// </summary>
public sealed class MBusClient(IMBusLine line, MBusClientOptions? options = null)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<byte, bool> _nextFrameCountBit = [];
    private readonly MBusClientOptions _options = options ?? new MBusClientOptions();

    public IMBusLine Line { get; } = line;

    /// <summary>SND_NKE to <paramref name="address"/>; true when acknowledged (the slave is there and its FCB state is reset).</summary>
    public async Task<bool> ResetAsync(byte address, CancellationToken cancellationToken, int? retries = null)
    {
        var reply = await ExclusiveAsync(() => ExchangeWithRetriesAsync(MBusRequests.SndNke(address), retries ?? _options.Retries, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (reply.IsAck)
        {
            lock (_nextFrameCountBit)
            {
                _nextFrameCountBit[address] = true;
            }
        }

        return reply.IsAck;
    }

    /// <summary>SND_NKE to a primary address without retries, reporting a garbled answer (two slaves with one address) as such.</summary>
    public Task<MBusReply> ProbeAsync(byte address, CancellationToken cancellationToken) =>
        ExclusiveAsync(() => ExchangeWithRetriesAsync(MBusRequests.SndNke(address), 0, cancellationToken), cancellationToken);

    /// <summary>Selects the slaves matching <paramref name="pattern"/> (SND_UD, CI 0x52 to address 253) and says how many answered.</summary>
    public async Task<MBusSelection> SelectAsync(MBusSecondaryAddress pattern, CancellationToken cancellationToken, int? retries = null) =>
        ToSelection(await ExclusiveAsync(() => ExchangeWithRetriesAsync(MBusRequests.SelectSecondary(pattern), retries ?? _options.Retries, cancellationToken), cancellationToken).ConfigureAwait(false));

    /// <summary>REQ_UD2 to <paramref name="address"/> (253: the selected slave) and the decoded RSP_UD.</summary>
    public Task<MBusTelegram> ReadAsync(byte address, CancellationToken cancellationToken) =>
        ExclusiveAsync(() => ReadCoreAsync(address, cancellationToken), cancellationToken);

    /// <summary>Selects the slave with exactly this secondary address, then reads it through address 253 (both under one hold of the line).</summary>
    public Task<MBusTelegram> ReadSecondaryAsync(MBusSecondaryAddress address, CancellationToken cancellationToken) =>
        ExclusiveAsync(
            async () =>
            {
                var selection = ToSelection(await ExchangeWithRetriesAsync(MBusRequests.SelectSecondary(address), _options.Retries, cancellationToken).ConfigureAwait(false));
                return selection switch
                {
                    MBusSelection.One => await ReadCoreAsync(MBusAddress.Network, cancellationToken).ConfigureAwait(false),
                    MBusSelection.None => throw new MBusException($"no slave acknowledged the selection of secondary address {address}"),
                    _ => throw new MBusException($"several slaves answered the selection of secondary address {address} at once (a collision)"),
                };
            },
            cancellationToken);

    /// <summary>REQ_UD2 and the raw RSP_UD frame; garbled answers are repeated with the same FCB, as the standard asks.</summary>
    public Task<MBusFrame> RequestUserDataAsync(byte address, int retries, CancellationToken cancellationToken) =>
        ExclusiveAsync(() => RequestUserDataCoreAsync(address, retries, cancellationToken), cancellationToken);

    private async Task<MBusTelegram> ReadCoreAsync(byte address, CancellationToken cancellationToken)
    {
        var frame = await RequestUserDataCoreAsync(address, _options.Retries, cancellationToken).ConfigureAwait(false);
        if (!MBusVariableData.TryDecode(frame, out MBusTelegram? telegram, out string error))
        {
            throw new MBusException($"the RSP_UD of address {address} cannot be decoded: {error}");
        }

        return telegram!;
    }

    private async Task<MBusFrame> RequestUserDataCoreAsync(byte address, int retries, CancellationToken cancellationToken)
    {
        bool frameCountBit;
        lock (_nextFrameCountBit)
        {
            frameCountBit = _nextFrameCountBit.GetValueOrDefault(address, true);
        }

        var reply = await ExchangeWithRetriesAsync(MBusRequests.ReqUd2(address, frameCountBit), retries, cancellationToken).ConfigureAwait(false);
        switch (reply.Kind)
        {
            case MBusReplyKind.Silence:
                throw new MBusException($"address {address} did not answer REQ_UD2 within {Line.Timing.AnswerWindow.TotalMilliseconds:F0} ms ({retries + 1} attempts)");
            case MBusReplyKind.Garbled:
                throw new MBusException($"address {address} answered REQ_UD2 with bytes that are no frame ({reply.Error}: {Convert.ToHexString(reply.Received.Span[..Math.Min(32, reply.Received.Length)])})");
        }

        if (reply.Frame.Kind != MBusFrameKind.Long || MBusControl.ResponseFunction(reply.Frame.Control) != MBusControl.RspUd)
        {
            throw new MBusException($"address {address} answered REQ_UD2 with a {reply.Frame.Kind} frame (C 0x{reply.Frame.Control:X2}), not RSP_UD");
        }

        lock (_nextFrameCountBit)
        {
            _nextFrameCountBit[address] = !frameCountBit;
        }

        return reply.Frame;
    }

    private static MBusSelection ToSelection(MBusReply reply) => reply.Kind switch
    {
        MBusReplyKind.Silence => MBusSelection.None,
        MBusReplyKind.Frame when reply.IsAck => MBusSelection.One,
        _ => MBusSelection.Collision,
    };

    private async Task<T> ExclusiveAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sends the request until a well-formed frame comes back, at most 1 + <paramref name="retries"/> times; the caller holds the line.</summary>
    private async Task<MBusReply> ExchangeWithRetriesAsync(MBusFrame request, int retries, CancellationToken cancellationToken)
    {
        MBusReply reply = MBusReply.Silent;
        for (int attempt = 0; attempt <= retries; attempt++)
        {
            reply = await Line.ExchangeAsync(request, cancellationToken).ConfigureAwait(false);
            if (reply.Kind == MBusReplyKind.Frame)
            {
                return reply;
            }
        }

        return reply;
    }
}
