using System.Collections.Concurrent;
using System.Net;

namespace City.Protocols.Snmp;

/// <summary>
/// An SNMP agent (command responder) over one transport: answers GET, GETNEXT, GETBULK and SET from a
/// <see cref="MibTree"/> for v1/v2c communities and v3 users, with v1 and v2 error semantics (RFC 3416, RFC 3584),
/// and sends traps and informs through its own manager whose engine is the agent's.
/// </summary>
public sealed class SnmpAgent : IAsyncDisposable
{
    private readonly ISnmpTransport _transport;
    private readonly ConcurrentDictionary<string, bool> _communities = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _userWriteAccess = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly long _startTimestamp;
    private Task? _loop;
    private SnmpManager? _notifier;
    private long _handled;
    private long _dropped;

    public SnmpAgent(MibTree mib, ISnmpTransport transport, SnmpEngine? engine = null, TimeProvider? timeProvider = null)
    {
        Mib = mib ?? throw new ArgumentNullException(nameof(mib));
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        TimeProvider = timeProvider ?? engine?.TimeProvider ?? TimeProvider.System;
        Engine = engine ?? new SnmpEngine(timeProvider: TimeProvider);
        _startTimestamp = TimeProvider.GetTimestamp();
    }

    /// <summary>An agent on a UDP socket bound to <paramref name="endPoint"/>.</summary>
    public static SnmpAgent CreateUdp(MibTree mib, IPEndPoint endPoint, SnmpEngine? engine = null, TimeProvider? timeProvider = null) =>
        new(mib, UdpSnmpTransport.Bind(endPoint), engine, timeProvider);

    public MibTree Mib { get; }

    public SnmpEngine Engine { get; }

    public TimeProvider TimeProvider { get; }

    public IPEndPoint LocalEndPoint => _transport.LocalEndPoint;

    /// <summary>Largest response this agent sends (a v3 request's msgMaxSize lowers it further).</summary>
    public int MaxResponseSize { get; init; } = UdpSnmpTransport.MaxDatagramSize;

    /// <summary>sysUpTime: hundredths of a second since the agent was created.</summary>
    public uint UpTime => (uint)Math.Min(uint.MaxValue, (long)(TimeProvider.GetElapsedTime(_startTimestamp).TotalMilliseconds / 10));

    /// <summary>The last send error of the transport, if any (the agent keeps answering after one).</summary>
    public Exception? LastTransportError { get; private set; }

    /// <summary>Requests answered (including Reports).</summary>
    public long HandledRequests => Interlocked.Read(ref _handled);

    /// <summary>Datagrams ignored: undecodable, unknown community, not a request.</summary>
    public long DroppedDatagrams => Interlocked.Read(ref _dropped);

    public void AddCommunity(string community, bool writable = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(community);
        _communities[community] = writable;
    }

    public void AddUser(UsmUser user, bool writable = false)
    {
        ArgumentNullException.ThrowIfNull(user);
        Engine.AddUser(user);
        _userWriteAccess[user.Name] = writable;
    }

    /// <summary>Starts answering datagrams until <see cref="DisposeAsync"/>.</summary>
    public void Start() => _loop ??= Task.Run(ReceiveLoopAsync);

    private async Task ReceiveLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            SnmpDatagram datagram;
            try
            {
                datagram = await _transport.ReceiveAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (_stopping.IsCancellationRequested && exception is OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                return;
            }
            catch (System.Net.Sockets.SocketException exception)
            {
                // One failed receive (e.g. an ICMP error surfaced by the OS) must not stop the service; it stays visible.
                LastTransportError = exception;
                continue;
            }

            byte[]? answer = Handle(datagram.Data.Span);
            if (answer is not null)
            {
                try
                {
                    await _transport.SendAsync(answer, datagram.Remote, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (System.Net.Sockets.SocketException exception)
                {
                    // The manager went away (ICMP unreachable and the like); answering the next one matters more.
                    LastTransportError = exception;
                    Interlocked.Increment(ref _dropped);
                }
            }
        }
    }

    /// <summary>The answer to one datagram (a Response or a Report), or null when it gets none.</summary>
    public byte[]? Handle(ReadOnlySpan<byte> datagram)
    {
        if (SnmpCodec.TryDecode(datagram, out SnmpMessage? message) != SnmpDecodeStatus.Ok)
        {
            Interlocked.Increment(ref _dropped);
            return null;
        }

        byte[]? answer = message switch
        {
            CommunityMessage community => HandleCommunity(community),
            V3Message v3 => HandleV3(v3, datagram),
            _ => null,
        };
        Interlocked.Increment(ref answer is null ? ref _dropped : ref _handled);
        return answer;
    }

    private static bool IsRequest(SnmpPduType type) =>
        type is SnmpPduType.GetRequest or SnmpPduType.GetNextRequest or SnmpPduType.GetBulkRequest or SnmpPduType.SetRequest;

    private byte[]? HandleCommunity(CommunityMessage message)
    {
        if (!IsRequest(message.Pdu.Type) || !_communities.TryGetValue(message.CommunityText, out bool writable))
        {
            return null;
        }

        int budget = message.Pdu.Type == SnmpPduType.GetBulkRequest
            ? MaxResponseSize - SnmpCodec.Encode(new CommunityMessage(message.Version, message.Community, message.Pdu.ToResponse([]))).Length - 6
            : int.MaxValue;
        SnmpPdu response = Process(message.Pdu, message.Version, writable, budget);
        byte[] encoded = SnmpCodec.Encode(new CommunityMessage(message.Version, message.Community, response));
        if (encoded.Length > MaxResponseSize)
        {
            encoded = SnmpCodec.Encode(new CommunityMessage(message.Version, message.Community, TooBig(message.Pdu, message.Version)));
        }

        return encoded;
    }

    private byte[]? HandleV3(V3Message message, ReadOnlySpan<byte> raw)
    {
        UsmStatus status = Engine.ProcessIncoming(message, raw, out ScopedPdu? scoped, out UsmUser? user);
        if (status != UsmStatus.Ok)
        {
            return Engine.BuildReport(message, status, user);
        }

        if (!IsRequest(scoped!.Pdu.Type))
        {
            return null;
        }

        bool writable = _userWriteAccess.TryGetValue(user!.Name, out bool access) && access;
        int limit = Math.Min(MaxResponseSize, message.MaxSize);
        int budget = scoped.Pdu.Type == SnmpPduType.GetBulkRequest
            ? limit - Engine.SealResponse(message, scoped, scoped.Pdu.ToResponse([]), user).Length - 6
            : int.MaxValue;
        SnmpPdu response = Process(scoped.Pdu, SnmpVersion.V3, writable, budget);
        byte[] encoded = Engine.SealResponse(message, scoped, response, user);
        return encoded.Length > limit ? Engine.SealResponse(message, scoped, TooBig(scoped.Pdu, SnmpVersion.V3), user) : encoded;
    }

    private static SnmpPdu TooBig(SnmpPdu request, SnmpVersion version) =>
        // RFC 3416 4.2.1: an empty varbind list in v2; RFC 1157 returns the request's varbinds.
        request.ToResponse(version == SnmpVersion.V1 ? request.VarBinds : [], SnmpErrorStatus.TooBig);

    /// <summary>Answers one request PDU; <paramref name="varBindBudget"/> is the room for varbinds (GETBULK stops filling there).</summary>
    public SnmpPdu Process(SnmpPdu request, SnmpVersion version, bool writable, int varBindBudget = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Type switch
        {
            SnmpPduType.GetRequest => ProcessGet(request, version),
            SnmpPduType.GetNextRequest => ProcessGetNext(request, version),
            SnmpPduType.GetBulkRequest => ProcessGetBulk(request, varBindBudget),
            SnmpPduType.SetRequest => ProcessSet(request, version, writable),
            _ => request.ToResponse(request.VarBinds, SnmpErrorStatus.GenErr, 0),
        };
    }

    private SnmpPdu ProcessGet(SnmpPdu request, SnmpVersion version)
    {
        var results = new List<VarBind>(request.VarBinds.Count);
        for (int i = 0; i < request.VarBinds.Count; i++)
        {
            Oid oid = request.VarBinds[i].Oid;
            SnmpValue value = Mib.Get(oid);
            if (version == SnmpVersion.V1 && (value.IsException || value.Type == SnmpValueType.Counter64))
            {
                return request.ToResponse(request.VarBinds, SnmpErrorStatus.NoSuchName, i + 1);
            }

            results.Add(new VarBind(oid, value));
        }

        return request.ToResponse(results);
    }

    private SnmpPdu ProcessGetNext(SnmpPdu request, SnmpVersion version)
    {
        var results = new List<VarBind>(request.VarBinds.Count);
        for (int i = 0; i < request.VarBinds.Count; i++)
        {
            Oid oid = request.VarBinds[i].Oid;
            VarBind? next = Next(oid, version);
            if (next is null)
            {
                if (version == SnmpVersion.V1)
                {
                    return request.ToResponse(request.VarBinds, SnmpErrorStatus.NoSuchName, i + 1);
                }

                next = new VarBind(oid, SnmpValue.EndOfMibView);
            }

            results.Add(next);
        }

        return request.ToResponse(results);
    }

    /// <summary>The next instance; v1 managers cannot see Counter64, so it is skipped for them (RFC 3584 4.2.2.1).</summary>
    private VarBind? Next(Oid oid, SnmpVersion version)
    {
        VarBind? next = Mib.GetNext(oid);
        while (version == SnmpVersion.V1 && next is not null && next.Value.Type == SnmpValueType.Counter64)
        {
            next = Mib.GetNext(next.Oid);
        }

        return next;
    }

    private SnmpPdu ProcessGetBulk(SnmpPdu request, int budget)
    {
        int count = request.VarBinds.Count;
        int nonRepeaters = Math.Clamp(request.NonRepeaters, 0, count);
        int maxRepetitions = Math.Max(request.MaxRepetitions, 0);
        var results = new List<VarBind>();
        int used = 0;

        bool TryAdd(VarBind varBind)
        {
            int size = SnmpCodec.EncodedLength(varBind);
            if (used + size > budget)
            {
                return false;
            }

            used += size;
            results.Add(varBind);
            return true;
        }

        for (int i = 0; i < nonRepeaters; i++)
        {
            Oid oid = request.VarBinds[i].Oid;
            if (!TryAdd(Next(oid, SnmpVersion.V2c) ?? new VarBind(oid, SnmpValue.EndOfMibView)))
            {
                // Not even the non-repeaters fit: that is tooBig (RFC 3416 4.2.3).
                return request.ToResponse([], SnmpErrorStatus.TooBig);
            }
        }

        int repeaters = count - nonRepeaters;
        if (repeaters > 0)
        {
            Oid[] cursors = request.VarBinds.Skip(nonRepeaters).Select(v => v.Oid).ToArray();
            for (int repetition = 0; repetition < maxRepetitions; repetition++)
            {
                bool allEnded = true;
                for (int r = 0; r < repeaters; r++)
                {
                    VarBind? next = Next(cursors[r], SnmpVersion.V2c);
                    VarBind item = next ?? new VarBind(cursors[r], SnmpValue.EndOfMibView);
                    if (!TryAdd(item))
                    {
                        return request.ToResponse(results);
                    }

                    if (next is not null)
                    {
                        allEnded = false;
                        cursors[r] = next.Oid;
                    }
                }

                if (allEnded)
                {
                    break;
                }
            }
        }

        return request.ToResponse(results);
    }

    private SnmpPdu ProcessSet(SnmpPdu request, SnmpVersion version, bool writable)
    {
        if (!writable)
        {
            return request.ToResponse(request.VarBinds, ForVersion(SnmpErrorStatus.NoAccess, version), request.VarBinds.Count > 0 ? 1 : 0);
        }

        var nodes = new MibNode[request.VarBinds.Count];
        for (int i = 0; i < request.VarBinds.Count; i++)
        {
            VarBind varBind = request.VarBinds[i];
            MibNode? node = Mib.Find(varBind.Oid);
            SnmpErrorStatus status = node is null ? SnmpErrorStatus.NotWritable : node.TestSet(varBind.Oid, varBind.Value);
            if (status != SnmpErrorStatus.NoError)
            {
                return request.ToResponse(request.VarBinds, ForVersion(status, version), i + 1);
            }

            nodes[i] = node!;
        }

        for (int i = 0; i < request.VarBinds.Count; i++)
        {
            VarBind varBind = request.VarBinds[i];
            SnmpErrorStatus status = nodes[i].CommitSet(varBind.Oid, varBind.Value);
            if (status != SnmpErrorStatus.NoError)
            {
                // Earlier varbinds stay written: nodes have no undo (documented limit).
                return request.ToResponse(request.VarBinds, ForVersion(SnmpErrorStatus.CommitFailed, version), i + 1);
            }
        }

        return request.ToResponse(request.VarBinds);
    }

    /// <summary>RFC 3584 section 4.4: v2 error-status values a v1 manager understands.</summary>
    public static SnmpErrorStatus ForVersion(SnmpErrorStatus status, SnmpVersion version)
    {
        if (version != SnmpVersion.V1)
        {
            return status;
        }

        return status switch
        {
            SnmpErrorStatus.WrongValue or SnmpErrorStatus.WrongEncoding or SnmpErrorStatus.WrongType or SnmpErrorStatus.WrongLength
                or SnmpErrorStatus.InconsistentValue => SnmpErrorStatus.BadValue,
            SnmpErrorStatus.NoAccess or SnmpErrorStatus.NotWritable or SnmpErrorStatus.NoCreation or SnmpErrorStatus.InconsistentName
                or SnmpErrorStatus.AuthorizationError => SnmpErrorStatus.NoSuchName,
            SnmpErrorStatus.ResourceUnavailable or SnmpErrorStatus.CommitFailed or SnmpErrorStatus.UndoFailed => SnmpErrorStatus.GenErr,
            _ => status,
        };
    }

    // ---------------------------------------------------------------- notifications

    private SnmpManager Notifier
    {
        get
        {
            if (_notifier is null)
            {
                IPAddress address = _transport.LocalEndPoint.Address;
                var manager = new SnmpManager(UdpSnmpTransport.Bind(new IPEndPoint(address, 0)), TimeProvider, Engine);
                if (Interlocked.CompareExchange(ref _notifier, manager, null) is not null)
                {
                    _ = manager.DisposeAsync().AsTask();
                }
            }

            return _notifier!;
        }
    }

    /// <summary>Sends a trap (v1 Trap-PDU, v2c/v3 SNMPv2-Trap with sysUpTime.0 and snmpTrapOID.0 first). v3 traps come from this agent's engine.</summary>
    public Task SendTrapAsync(SnmpTarget target, Oid trapOid, IReadOnlyList<VarBind> varBinds, CancellationToken cancellationToken = default) =>
        Notifier.SendTrapAsync(target, trapOid, UpTime, varBinds, cancellationToken);

    /// <summary>Sends an InformRequest and waits for the receiver's acknowledgement (v3: discovers the receiver's engine first).</summary>
    public Task InformAsync(SnmpTarget target, Oid trapOid, IReadOnlyList<VarBind> varBinds, CancellationToken cancellationToken = default) =>
        Notifier.InformAsync(target, trapOid, UpTime, varBinds, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _transport.Dispose();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        if (_notifier is not null)
        {
            await _notifier.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }
}
