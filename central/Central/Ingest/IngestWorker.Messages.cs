using City.Contract.Mqtt;
using City.Central.Model;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Microsoft.Extensions.Logging;

namespace City.Central.Ingest;

/// <summary>
/// Applying one message to the group: <see cref="MessageValidator"/> decides, these methods change the group's copy of
/// the gateway, queue what to store and what to acknowledge, and count and log rejections.
/// </summary>
internal sealed partial class IngestWorker
{
    private void Handle(IncomingMessage message, GroupContext context)
    {
        if (message.Reset is { } reset)
        {
            ApplyReset(reset, context);
            return;
        }

        var gatewayId = message.Route.GatewayId;
        var route = MessageValidator.CheckRoute(message, _options.MaxPayloadBytes);
        if (route.Kind == VerdictKind.Reject)
        {
            Reject(route, gatewayId.Length == 0 ? "?" : gatewayId, message);
            return;
        }

        if (route.Kind != VerdictKind.Accept)
        {
            return;
        }

        switch (message.Route.Kind)
        {
            case TopicKind.Data:
                HandleData(gatewayId, message, context);
                break;
            case TopicKind.Birth:
                HandleBirth(gatewayId, message, context);
                break;
            case TopicKind.Death:
                HandleDeath(gatewayId, message, context);
                break;
        }
    }

    private void HandleData(string gatewayId, IncomingMessage message, GroupContext context)
    {
        if (!BatchCodec.TryParseEnvelope(message.Payload, out var batch, out var error))
        {
            Reject(error.Reason(), gatewayId, message, "the batch envelope does not decode");
            return;
        }

        var verdict = MessageValidator.CheckBatch(gatewayId, batch, context.Current(gatewayId, _registry), _admission);
        if (verdict.Kind == VerdictKind.Reject)
        {
            Reject(verdict, gatewayId, message);
            return;
        }

        var pending = context.Get(gatewayId, _registry);
        var state = pending.State;
        state.LastSeenUnixMs = context.NowUnixMs;
        var stream = StreamFor(batch.BufferId, pending, context);
        if (verdict.Kind == VerdictKind.Duplicate)
        {
            pending.DuplicateBatches++;
            pending.DuplicateReadings += batch.ReadingCount;
            pending.Ack.Committed.Add(batch.Seq);
            return;
        }

        var bodyVerdict = MessageValidator.CheckBody(batch, out var body);
        if (bodyVerdict.Kind == VerdictKind.Reject || !TryScan(body, pending, context.Window, out var tMin, out var tMax))
        {
            var reason = bodyVerdict.Kind == VerdictKind.Reject ? bodyVerdict.Reason : ContractError.InconsistentSeries.Reason();
            Reject(reason, gatewayId, message, $"seq {batch.Seq}: the body is invalid; listed in the ack's rejected_seqs");
            pending.Ack.Reject(batch.Seq, reason);
            return;
        }

        if (tMin > tMax)
        {
            // No reading, or none inside the window: the span is one instant central can vouch for.
            tMin = tMax = batch.ReadingCount == 0 && context.Window.Contains(batch.CreatedUnixMs) ? batch.CreatedUnixMs : context.NowUnixMs;
        }

        if (_outOfWindow.Any)
        {
            pending.OutOfWindowFuture += _outOfWindow.Future;
            pending.OutOfWindowTooOld += _outOfWindow.TooOld;
            pending.OutOfWindowInvalid += _outOfWindow.Invalid;
            _outOfWindowLog.Flagged(gatewayId, batch.Seq, _outOfWindow);
        }

        stream.Seqs.Add(batch.Seq);
        state.BatchesReceived++;
        state.ReadingsReceived += batch.ReadingCount;
        state.MaxBatchSpanMs = Math.Max(state.MaxBatchSpanMs, tMax - tMin);
        pending.Dirty = true;
        context.Batches.Add(new StoredBatch(
            gatewayId,
            batch.Seq,
            batch.Epoch,
            batch.Kind,
            tMin,
            tMax,
            (int)batch.ReadingCount,
            batch.Compression,
            batch.Body.ToByteArray(),
            context.NowUnixMs,
            batch.BufferId)
        {
            OutOfWindowDays = _outOfWindow.Any ? _outOfWindow.Days() : [],
            OutOfWindowAnyDay = _outOfWindow.OnAnyDay,
            BodyCrc32C = batch.HasBodyCrc32C ? batch.BodyCrc32C : Crc32C.Compute(batch.Body.Span),
        });
        pending.AcceptedBatches++;
        pending.AcceptedReadings += batch.ReadingCount;
        pending.Ack.Committed.Add(batch.Seq);
        _energy?.AcceptBatch(gatewayId);
    }

    /// <summary>
    /// Decodes the body once: the time span and the newest reading of each point, both of the readings inside the
    /// window only; the others are tallied in <see cref="outOfWindow"/>.
    /// </summary>
    private bool TryScan(Readings body, PendingGateway pending, in TimestampWindow window, out long tMin, out long tMax)
    {
        tMin = long.MaxValue;
        tMax = long.MinValue;
        _outOfWindow.Clear();
        _energy?.BeginBatch();
        var lamps = _energy?.PointsOf(pending.State);
        foreach (var series in body.Series)
        {
            _scratch.Clear();
            if (!SeriesCodec.TryDecode(series, _scratch, out _))
            {
                return false;
            }

            OfferNewest(_scratch, pending, window, ref tMin, ref tMax);
            if (lamps is { IsEmpty: false } && _scratch.Count > 0 && lamps.TryGet(_scratch[0].Alias, out _, out _))
            {
                _energy!.Offer(lamps, _scratch, window.OldestUnixMs, window.NewestUnixMs);
            }
        }

        foreach (var scatter in body.Scatter)
        {
            _scratch.Clear();
            if (!ScatterCodec.TryDecode(scatter, _scratch, out _))
            {
                return false;
            }

            // One reading per point in a scatter block: each is its point's newest.
            foreach (var reading in _scratch)
            {
                OfferNewest([reading], pending, window, ref tMin, ref tMax);
            }

            if (lamps is { IsEmpty: false })
            {
                _energy!.Offer(lamps, _scratch, window.OldestUnixMs, window.NewestUnixMs);
            }
        }

        return true;
    }

    /// <summary>
    /// Widens the time span by readings of one point and offers the newest of them as its latest value; readings
    /// outside the window do neither.
    /// </summary>
    private void OfferNewest(List<Reading> readingsOfOnePoint, PendingGateway pending, in TimestampWindow window, ref long tMin, ref long tMax)
    {
        _assets?.Observe(pending.State, readingsOfOnePoint, window.OldestUnixMs, window.NewestUnixMs);
        var newestIndex = -1;
        var newestTime = long.MinValue;
        for (var i = 0; i < readingsOfOnePoint.Count; i++)
        {
            var timestamp = readingsOfOnePoint[i].TimestampUnixMs;
            if (timestamp < window.OldestUnixMs || timestamp > window.NewestUnixMs)
            {
                _outOfWindow.Add(timestamp, window);
                continue;
            }

            tMin = Math.Min(tMin, timestamp);
            tMax = Math.Max(tMax, timestamp);
            if (timestamp >= newestTime)
            {
                newestTime = timestamp;
                newestIndex = i;
            }
        }

        if (newestIndex >= 0)
        {
            var newest = readingsOfOnePoint[newestIndex];
            pending.OfferLatest(new LatestValue(newest.Alias, newest.TimestampUnixMs, newest.Value, newest.Quality));
        }
    }

    private void HandleBirth(string gatewayId, IncomingMessage message, GroupContext context)
    {
        if (!BatchCodec.TryParse(Birth.Parser, message.Payload, out var birth))
        {
            Reject(ContractError.Malformed.Reason(), gatewayId, message, "the birth does not decode");
            return;
        }

        var verdict = MessageValidator.CheckBirth(gatewayId, birth, context.Current(gatewayId, _registry), _admission, out var catalogue);
        if (verdict.Kind != VerdictKind.Accept)
        {
            Reject(verdict, gatewayId, message);
            return;
        }

        var pending = context.Get(gatewayId, _registry);
        var state = pending.State;
        StreamFor(birth.BufferId, pending, context);

        if (!state.Catalogue.SequenceEqual(catalogue))
        {
            state.Catalogue = catalogue;
            pending.CatalogueChanged = true;
        }

        state.SwitchTo(birth.BufferId, birth.Epoch);
        state.HasBirth = true;
        state.Online = true;
        state.SoftwareVersion = birth.SoftwareVersion;
        state.LightingVersion = birth.LightingVersion;
        state.ConfigVersion = birth.ConfigVersion;
        state.LastSeenUnixMs = context.NowUnixMs;
        pending.Dirty = true;
        pending.Births++;
        pending.Birth = birth;
        LogBirth(_logger, gatewayId, birth.Epoch, catalogue.Count, birth.SoftwareVersion);
    }

    private void HandleDeath(string gatewayId, IncomingMessage message, GroupContext context)
    {
        if (!BatchCodec.TryParse(Death.Parser, message.Payload, out var death))
        {
            Reject(ContractError.Malformed.Reason(), gatewayId, message, "the death does not decode");
            return;
        }

        var current = context.Current(gatewayId, _registry);
        var verdict = MessageValidator.CheckDeath(gatewayId, death, current);
        switch (verdict.Kind)
        {
            case VerdictKind.Reject:
                Reject(verdict, gatewayId, message);
                return;
            case VerdictKind.Ignore when current is not null:
                LogStaleDeath(_logger, gatewayId, death.BufferId, death.Epoch, current.BufferId, current.Epoch);
                return;
            case VerdictKind.Ignore:
                return;
        }

        var pending = context.Get(gatewayId, _registry);
        pending.State.Online = false;
        pending.State.LastSeenUnixMs = context.NowUnixMs;
        pending.Dirty = true;
        pending.Deaths++;
        LogDeath(_logger, gatewayId, death.Epoch);
    }

    private void Reject(in Verdict verdict, string source, IncomingMessage message) => Reject(verdict.Reason, source, message, verdict.Detail);

    private void Reject(string reason, string source, IncomingMessage message, string detail)
    {
        _stats.Reject(reason);
        _rejectLog.Rejected(reason, source, message.Topic, detail);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Birth of {Gateway}: epoch {Epoch}, {Points} points, software {Software}")]
    private static partial void LogBirth(ILogger logger, string gateway, ulong epoch, int points, string software);

    [LoggerMessage(Level = LogLevel.Information, Message = "Death of {Gateway} (epoch {Epoch}): offline")]
    private static partial void LogDeath(ILogger logger, string gateway, ulong epoch);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Death of {Gateway} ignored: buffer '{BufferId}' epoch {Epoch} is not the current buffer '{CurrentBufferId}' epoch {Current}")]
    private static partial void LogStaleDeath(ILogger logger, string gateway, string bufferId, ulong epoch, string currentBufferId, ulong current);
}
