using System.Net;
using City.Protocols.Snmp;

namespace City.Protocols.Ntcip1203;

/// <summary>What a sign shows: the MULTI string of its current buffer, where it came from, and how long it stays.</summary>
public sealed record SignMessage(string Multi, MessageIdCode? Source, int TimeRemainingMinutes)
{
    public bool IsBlank => Source?.Memory == MessageMemoryType.Blank || Multi.Length == 0;
}

/// <summary>A sign refused a message: its dmsActivateMsgError and, for a MULTI error, where.</summary>
public sealed class DmsActivationException(string message, ActivateMessageError error, MultiProblem? multi = null) : Exception(message)
{
    public ActivateMessageError Error { get; } = error;

    public MultiProblem? Multi { get; } = multi;
}

/// <summary>
/// A manager's view of one NTCIP 1203 sign over <see cref="SnmpManager"/>: its geometry, the changeable-message procedure
/// (modifyReq, write the row, validateReq, check valid, then dmsActivateMessage with the row's CRC), blanking, the current
/// message and the status objects. MULTI text is checked against the sign before anything is sent.
/// </summary>
public sealed class DmsClient(SnmpManager manager, SnmpTarget target, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The changeable message row the client writes its messages to.</summary>
    public int MessageNumber { get; init; } = 1;

    /// <summary>dmsMessageOwner written with each message.</summary>
    public string Owner { get; init; } = "city-edge";

    /// <summary>What the sign can show, from vmsCfg (pixels of the sign over pixels of a character) and multiCfg.</summary>
    public async Task<SignGeometry> ReadGeometryAsync(CancellationToken cancellationToken = default)
    {
        var values = await manager.GetAsync(target, DmsReadings.GeometryObjects, cancellationToken).ConfigureAwait(false);
        return DmsReadings.TryReadGeometry(values, out var geometry, out var problem) ? geometry! : throw new DmsDecodeException("vmsCfg/multiCfg: " + problem);
    }

    /// <summary>Puts <paramref name="multi"/> on the sign; returns the activation code sent. Throws <see cref="DmsActivationException"/> when refused.</summary>
    public async Task<MessageActivationCode> ActivateAsync(string multi, SignGeometry sign, int durationMinutes = MessageActivationCode.Indefinite, int priority = 255,
        IPAddress? source = null, CancellationToken cancellationToken = default)
    {
        if (MultiParser.Validate(multi, sign) is { } problem)
        {
            throw new DmsActivationException($"MULTI refused before sending: {problem}", ActivateMessageError.SyntaxMulti, problem);
        }

        var memory = MessageMemoryType.Changeable;
        Oid Cell(uint column) => DmsObjects.MessageCell(column, memory, MessageNumber);
        await manager.SetAsync(target, [new VarBind(Cell(DmsObjects.MessageStatusColumn), SnmpValue.Integer((int)MessageStatus.ModifyReq))], cancellationToken).ConfigureAwait(false);
        await manager.SetAsync(target,
        [
            new VarBind(Cell(DmsObjects.MessageMultiStringColumn), SnmpValue.OctetString(multi)),
            new VarBind(Cell(DmsObjects.MessageOwnerColumn), SnmpValue.OctetString(Owner)),
            new VarBind(Cell(DmsObjects.MessageBeaconColumn), SnmpValue.Integer(0)),
            new VarBind(Cell(DmsObjects.MessagePixelServiceColumn), SnmpValue.Integer(0)),
            new VarBind(Cell(DmsObjects.MessageRunTimePriorityColumn), SnmpValue.Integer(priority)),
        ], cancellationToken).ConfigureAwait(false);
        await manager.SetAsync(target, [new VarBind(Cell(DmsObjects.MessageStatusColumn), SnmpValue.Integer((int)MessageStatus.ValidateReq))], cancellationToken).ConfigureAwait(false);

        var status = MessageStatus.Validating;
        ushort crc = 0;
        for (int attempt = 0; attempt < 20 && status == MessageStatus.Validating; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
            }

            var row = await manager.GetAsync(target, [Cell(DmsObjects.MessageStatusColumn), Cell(DmsObjects.MessageCrcColumn)], cancellationToken).ConfigureAwait(false);
            if (!DmsReadings.TryInteger(row, 0, out int statusValue, out var rowProblem) || !DmsReadings.TryInteger(row, 1, out int crcValue, out rowProblem))
            {
                throw new DmsDecodeException("dmsMessageStatus/dmsMessageCRC: " + rowProblem);
            }

            status = (MessageStatus)statusValue;
            crc = (ushort)crcValue;
        }

        if (status != MessageStatus.Valid)
        {
            var multiProblem = await ReadMultiErrorAsync(cancellationToken).ConfigureAwait(false);
            throw new DmsActivationException($"the sign did not validate the message (status {status}){(multiProblem is null ? "" : ": " + multiProblem)}",
                ActivateMessageError.MessageStatus, multiProblem);
        }

        var code = new MessageActivationCode(durationMinutes, priority, memory, MessageNumber, crc, source ?? IPAddress.Any);
        await SendActivationAsync(code, cancellationToken).ConfigureAwait(false);
        return code;
    }

    /// <summary>Blanks the sign (the blank message of memory type blank).</summary>
    public async Task BlankAsync(int priority = 255, IPAddress? source = null, CancellationToken cancellationToken = default) =>
        await SendActivationAsync(MessageActivationCode.Blank(priority, source ?? IPAddress.Any), cancellationToken).ConfigureAwait(false);

    /// <summary>The message on the sign now: dmsMsgTableSource, the current buffer's MULTI string, dmsMessageTimeRemaining.</summary>
    public async Task<SignMessage> ReadCurrentAsync(CancellationToken cancellationToken = default)
    {
        var values = await manager.GetAsync(target, DmsReadings.CurrentObjects, cancellationToken).ConfigureAwait(false);
        return DmsReadings.TryReadCurrent(values, out var message, out var problem) ? message! : throw new DmsDecodeException("the current message: " + problem);
    }

    /// <summary>The status objects: shortErrorStatus, failed pixels, lamps stuck off / on, doors, controller errors.</summary>
    public async Task<SignStatus> ReadStatusAsync(CancellationToken cancellationToken = default)
    {
        var values = await manager.GetAsync(target, DmsReadings.StatusObjects, cancellationToken).ConfigureAwait(false);
        return DmsReadings.TryReadStatus(values, out var status, out var problem) ? status! : throw new DmsDecodeException("the status objects: " + problem);
    }

    private async Task SendActivationAsync(MessageActivationCode code, CancellationToken cancellationToken)
    {
        try
        {
            await manager.SetAsync(target, [new VarBind(DmsObjects.DmsActivateMessage, SnmpValue.OctetString(code.Encode()))], cancellationToken).ConfigureAwait(false);
        }
        catch (SnmpErrorStatusException ex)
        {
            var answer = await manager.GetAsync(target, [DmsObjects.DmsActivateMsgError], cancellationToken).ConfigureAwait(false);
            if (!DmsReadings.TryInteger(answer, 0, out int error, out var problem))
            {
                throw new DmsDecodeException("dmsActivateMsgError: " + problem);
            }

            var multiProblem = error == (int)ActivateMessageError.SyntaxMulti ? await ReadMultiErrorAsync(cancellationToken).ConfigureAwait(false) : null;
            throw new DmsActivationException($"the sign refused the activation: {(ActivateMessageError)error} ({ex.Message})", (ActivateMessageError)error, multiProblem);
        }
    }

    private async Task<MultiProblem?> ReadMultiErrorAsync(CancellationToken cancellationToken)
    {
        var values = await manager.GetAsync(target, DmsReadings.MultiErrorObjects, cancellationToken).ConfigureAwait(false);
        return DmsReadings.TryReadMultiError(values, out var multiProblem, out var problem) ? multiProblem : throw new DmsDecodeException("dmsMultiSyntaxError: " + problem);
    }
}
