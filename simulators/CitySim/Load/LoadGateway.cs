using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using City.Contract.Mqtt;
using City.Contract.Wire;
using City.Sim.Common;
using Google.Protobuf;
using MQTTnet;

namespace City.Sim.Load;

/// <summary>
/// One simulated gateway of <c>citysim load</c>: its own MQTT 5 connection, a retained birth, data
/// batches published QoS 1 with at most <c>window</c> of them waiting for central's ack, a will and a
/// death on a clean stop. No buffer; without <c>--resend-after</c> no resend on a live connection: a lost batch stays
/// unacknowledged (with it, a batch waiting longer is published again, same seq and body). A gateway that loses its
/// connection (central or its broker restarting) connects again every second until it works, publishes its birth, then
/// every batch still waiting for its ack (same seq and body, as an edge resends after a reconnection) and every
/// unacknowledged command result, and goes on publishing. It answers the commands on its cmd topic
/// (<see cref="LoadCommandResponder"/>), publishing the results from a bounded queue and resending the unacknowledged
/// ones after the ack timeout.
/// </summary>
internal sealed class LoadGateway : IAsyncDisposable
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    private readonly LoadOptions _options;
    private readonly ulong _epoch;
    private readonly LoadBatchSource _source;
    private readonly LoadStats _stats;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _window;
    private readonly ConcurrentDictionary<ulong, InFlight> _inFlight = new();
    private readonly LoadCommandResponder _commands;
    private readonly LoadCommandStats _commandStats;
    private readonly Channel<(CommandResult Result, bool Resend)> _results =
        Channel.CreateBounded<(CommandResult, bool)>(new BoundedChannelOptions(256) { SingleReader = true });
    private readonly CancellationTokenSource _lifetime = new();
    private Task _resultLoops = Task.CompletedTask;
    private Task _reconnect = Task.CompletedTask;
    private int _reconnects;
    private int _reconnecting;
    private IMqttClient? _client;

    public LoadGateway(
        string id,
        LoadOptions options,
        ulong epoch,
        long firstTimestampUnixMs,
        int seed,
        LoadStats stats,
        TimeProvider time,
        ECDsa? signingKey = null,
        LoadCommandStats? commandStats = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Id = id;
        _options = options;
        _epoch = epoch;
        _stats = stats;
        _time = time;
        _source = new LoadBatchSource(id, epoch, options.Points, options.ReadingsPerPoint, firstTimestampUnixMs, seed);
        _window = new SemaphoreSlim(options.Window, options.Window);
        _commandStats = commandStats ?? new LoadCommandStats();
        _commands = new LoadCommandResponder(id, signingKey, _commandStats, time);
    }

    public string Id { get; }

    /// <summary>Set when the gateway could not make its first connection; it publishes nothing.</summary>
    public string? Failure { get; private set; }

    /// <summary>Connected and born, or reconnecting after a lost connection (it goes on once connected again).</summary>
    public bool IsRunning => Failure is null && _client is not null;

    public bool IsConnected => _client is { IsConnected: true };

    public int InFlightCount => _inFlight.Count;

    /// <summary>Command results published and not yet acknowledged by central.</summary>
    public int UnackedResults => _commands.Outstanding;

    /// <summary>The will, and what a clean stop publishes.</summary>
    private Death Death => new() { GatewayId = Id, Epoch = _epoch, BufferId = _source.BufferId };

    /// <summary>Times this gateway connected again after losing its connection.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    public async Task ConnectAsync(MqttClientFactory factory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _client = factory.CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        try
        {
            await StartSessionAsync(cancellationToken).ConfigureAwait(false);
            _resultLoops = Task.WhenAll(
                Task.Run(() => PublishResultsAsync(_lifetime.Token), CancellationToken.None),
                Task.Run(() => ResendResultsAsync(_lifetime.Token), CancellationToken.None));
            _client.DisconnectedAsync += OnDisconnectedAsync;
        }
        catch (PublishRefusedException ex)
        {
            Failure = $"birth refused by the broker: {ex.ReasonCode}";
        }
        catch (Exception ex) when (IsConnectionError(ex))
        {
            Failure = ex.Message;
        }

        if (Failure is not null)
        {
            _client.DisconnectedAsync -= OnDisconnectedAsync;
        }
    }

    /// <summary>Connects (a clean start), subscribes to the acks and the commands, then publishes the birth.</summary>
    private async Task StartSessionAsync(CancellationToken cancellationToken)
    {
        var connection = new BrokerConnection(_options.BrokerHost, _options.BrokerPort, Id)
        {
            KeepAlive = TimeSpan.FromSeconds(30),
            Timeout = TimeSpan.FromSeconds(10),
            Tls = _options.TlsFor(Id),
        };
        var client = _client!;
        await client.ConnectCheckedAsync(ContractClientOptions.ForGateway(connection, Death), cancellationToken).ConfigureAwait(false);
        await client.SubscribeAtLeastOnceAsync(Topics.Ack(Id), noLocal: false, cancellationToken).ConfigureAwait(false);

        // Before the birth: central sends pending commands right after it.
        await client.SubscribeAtLeastOnceAsync(Topics.Command(Id), noLocal: false, cancellationToken).ConfigureAwait(false);
        await client.PublishBirthAsync(_source.CreateBirth(_time.GetUtcNow().ToUnixTimeMilliseconds(), SoftwareVersion.Value), cancellationToken).ConfigureAwait(false);
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected && !_lifetime.IsCancellationRequested)
        {
            ConsoleOutput.Log($"{Id}: connection lost ({e.Reason}); reconnecting");
            StartReconnecting();
        }

        return Task.CompletedTask;
    }

    /// <summary>One reconnection loop at a time: a connection lost while one runs makes its next attempt fail and retry.</summary>
    private void StartReconnecting()
    {
        if (Interlocked.Exchange(ref _reconnecting, 1) == 0)
        {
            _reconnect = Task.Run(() => ReconnectAsync(_lifetime.Token), CancellationToken.None);
        }
    }

    /// <summary>
    /// Connects again (every second until it works or the run ends), then publishes every batch still waiting for its ack
    /// and every unacknowledged result again: the broker keeps no session (clean start), so what it had not delivered, and
    /// the acks central published while the gateway was away, are gone.
    /// </summary>
    private async Task ReconnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ReconnectDelay, _time, cancellationToken).ConfigureAwait(false);
                try
                {
                    await StartSessionAsync(cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (ex is PublishRefusedException || IsConnectionError(ex))
                {
                    ConsoleOutput.Log($"{Id}: reconnection failed, trying again: {ex.Message}");
                }
            }

            Interlocked.Increment(ref _reconnects);
            ConsoleOutput.Log($"{Id}: connected again; publishing {_inFlight.Count} unacknowledged batches again");
            await ResendInFlightAsync(cancellationToken).ConfigureAwait(false);
            foreach (var result in _commands.DueForResend(TimeSpan.Zero))
            {
                await _results.Writer.WriteAsync((result, true), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _reconnecting, 0);
        }

        // Lost again between the session's start and here: the disconnection event found this loop still running.
        if (!cancellationToken.IsCancellationRequested && !IsConnected)
        {
            StartReconnecting();
        }
    }

    private async Task ResendInFlightAsync(CancellationToken cancellationToken)
    {
        var topic = Topics.Data(Id);
        foreach (var (seq, sent) in _inFlight.ToArray().OrderBy(f => f.Key))
        {
            sent.LastSent = _time.GetTimestamp();
            try
            {
                await _client!.PublishCheckedAsync(ContractMessages.AtLeastOnce(topic, sent.Payload), cancellationToken).ConfigureAwait(false);
                _stats.Resend();
            }
            catch (Exception ex) when (ex is PublishRefusedException || IsConnectionError(ex))
            {
                // Lost again: the next reconnection publishes it again.
                ConsoleOutput.Log($"{Id}: batch {seq} not published again: {ex.Message}");
                return;
            }
        }
    }

    /// <summary>Publishes batches until <paramref name="stop"/> (the end of the run); <paramref name="abort"/> cuts a pending publish.</summary>
    public async Task PublishLoopAsync(CancellationToken stop, CancellationToken abort)
    {
        if (_client is null || Failure is not null)
        {
            return;
        }

        var topic = Topics.Data(Id);
        try
        {
            if (_options.CommandsOnly)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, stop).ConfigureAwait(false);
            }

            var published = 0;
            using var pace = _options.BatchInterval is { } interval ? new PeriodicTimer(interval, _time) : null;
            while (!stop.IsCancellationRequested && (_options.BatchesPerGateway is not { } count || published < count))
            {
                if (pace is not null && published > 0)
                {
                    await pace.WaitForNextTickAsync(stop).ConfigureAwait(false);
                }

                await _window.WaitAsync(stop).ConfigureAwait(false);
                published++;
                var started = Stopwatch.GetTimestamp();
                var batch = _source.Next(_time.GetUtcNow().ToUnixTimeMilliseconds());
                _stats.Encoded(Stopwatch.GetTimestamp() - started);

                // Registered before publishing: central's ack may arrive before the broker's PUBACK.
                _inFlight[batch.Seq] = new InFlight(_time.GetTimestamp(), batch.ReadingCount, batch.Payload) { LastSent = _time.GetTimestamp() };
                try
                {
                    await _client.PublishCheckedAsync(ContractMessages.AtLeastOnce(topic, batch.Payload), abort).ConfigureAwait(false);
                    _stats.Published(batch.ReadingCount, batch.Payload.Length);
                }
                catch (PublishRefusedException ex)
                {
                    _stats.PublishFailed();
                    if (_inFlight.TryRemove(batch.Seq, out _))
                    {
                        _window.Release();
                    }

                    ConsoleOutput.Log($"{Id}: broker refused batch {batch.Seq}: {ex.ReasonCode} {ex.ReasonString}");
                }
                catch (Exception ex) when (IsConnectionError(ex) && !abort.IsCancellationRequested)
                {
                    // The batch stays in flight: the reconnection publishes it again.
                    _stats.Published(batch.ReadingCount, batch.Payload.Length);
                    _stats.PublishFailed();
                    await WaitForConnectionAsync(stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested || abort.IsCancellationRequested)
        {
        }
    }

    /// <summary>Until the reconnection loop has connected again (it publishes what is in flight), or the run ends.</summary>
    private async Task WaitForConnectionAsync(CancellationToken stop)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!IsConnected || Volatile.Read(ref _reconnecting) == 1)
        {
            await Task.Delay(delay, _time, stop).ConfigureAwait(false);
        }
    }

    /// <summary>A clean stop: death (QoS 1), then a normal disconnection so the broker drops the will.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _resultLoops.ConfigureAwait(false);
        await _reconnect.ConfigureAwait(false);
        if (_client is not { IsConnected: true })
        {
            return;
        }

        try
        {
            await _client.CloseWithDeathAsync(Death, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionError(ex) || ex is OperationCanceledException)
        {
            ConsoleOutput.Log($"{Id}: unclean disconnection: {ex.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _resultLoops.ConfigureAwait(false);
        await _reconnect.ConfigureAwait(false);
        _client?.Dispose();
        _window.Dispose();
        _lifetime.Dispose();
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (e.ApplicationMessage.Topic == Topics.Command(Id))
        {
            await OnCommandAsync(e.ApplicationMessage).ConfigureAwait(false);
            return;
        }

        if (!ContractMessages.TryParseAck(e.ApplicationMessage, out var ack))
        {
            _stats.MalformedAck();
            return;
        }

        _commands.Acknowledge(ack.CommittedResultSeqs);

        var now = _time.GetTimestamp();
        foreach (var seq in ack.CommittedSeqs)
        {
            // A duplicate ack (a batch acknowledged twice) finds nothing and counts nothing.
            if (_inFlight.TryRemove(seq, out var sent))
            {
                if (_options.AckLogFile is not null)
                {
                    _stats.LogAck(Id, _source.BufferId, seq, _time.GetUtcNow());
                }

                _stats.Acked(sent.ReadingCount, _time.GetElapsedTime(sent.Timestamp, now).TotalMilliseconds, now);
                _window.Release();
            }
        }

        foreach (var seq in ack.RejectedSeqs)
        {
            if (_inFlight.TryRemove(seq, out var sent))
            {
                _stats.Rejected(Id, seq, sent.ReadingCount, ack.RejectReason, now);
                _window.Release();
            }
        }
    }

    private async Task OnCommandAsync(MqttApplicationMessage message)
    {
        if (!ContractMessages.TryParseCommand(message, out var command))
        {
            _commandStats.Malformed();
            return;
        }

        try
        {
            foreach (var result in _commands.Answer(command))
            {
                // Bounded: when results cannot go out as fast as commands come, the broker waits for this handler.
                await _results.Writer.WriteAsync((result, false), _lifetime.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // The gateway is closing: the results stay in the outbox and count as unacknowledged in the report.
        }
    }

    private async Task PublishResultsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (result, resend) in _results.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await _client!.PublishCheckedAsync(ContractMessages.CommandResult(result), cancellationToken).ConfigureAwait(false);
                    _commandStats.ResultPublished(resend);
                }
                catch (Exception ex) when (ex is PublishRefusedException || IsConnectionError(ex))
                {
                    // It stays in the outbox: the resend loop offers it again after the ack timeout.
                    _commandStats.ResultPublishFailed();
                    ConsoleOutput.Log($"{Id}: result {result.ResultSeq} of command {result.Id} not published: {ex.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ResendResultsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.ResultAckTimeout / 2, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var result in _commands.DueForResend(_options.ResultAckTimeout))
                {
                    await _results.Writer.WriteAsync((result, true), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A lost link, or the client refusing to work without one (MQTTnet's "not connected"), or a broker that said no.</summary>
    private static bool IsConnectionError(Exception ex) => ContractClient.IsLinkFailure(ex) || ex is InvalidOperationException;

    /// <summary>
    /// Publishes again every batch waiting longer than <see cref="LoadOptions.ResendAfter"/> for its ack (same seq, same
    /// body: central answers a batch it already stored as a duplicate), until the run ends.
    /// </summary>
    public async Task ResendLoopAsync(CancellationToken cancellationToken)
    {
        if (_options.ResendAfter is not { } after || _client is null || Failure is not null)
        {
            return;
        }

        using var timer = new PeriodicTimer(after / 4, _time);
        var topic = Topics.Data(Id);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var (seq, sent) in _inFlight.ToArray())
                {
                    if (_time.GetElapsedTime(sent.LastSent) < after)
                    {
                        continue;
                    }

                    sent.LastSent = _time.GetTimestamp();
                    try
                    {
                        await _client.PublishCheckedAsync(ContractMessages.AtLeastOnce(topic, sent.Payload), cancellationToken).ConfigureAwait(false);
                        _stats.Resend();
                    }
                    catch (Exception ex) when (ex is PublishRefusedException || IsConnectionError(ex))
                    {
                        ConsoleOutput.Log($"{Id}: batch {seq} not published again: {ex.Message}");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private sealed record InFlight(long Timestamp, int ReadingCount, byte[] Payload)
    {
        public long LastSent { get; set; }
    }
}
