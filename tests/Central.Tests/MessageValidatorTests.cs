using City.Central.Ingest;
using City.Central.Model;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Central.Tests;

/// <summary>The ingest worker's decisions about one message, without a queue, a store or a broker.</summary>
public sealed class MessageValidatorTests
{
    private const string Gateway = "gw";
    private const string BufferA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string BufferB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const int MaxPayloadBytes = 1000;

    private static readonly Admission AllowListOnly = new(new HashSet<string>(StringComparer.Ordinal) { Gateway }, AdmitOnBirth: false);
    private static readonly Admission ByBirth = new(new HashSet<string>(StringComparer.Ordinal), AdmitOnBirth: true);
    private static readonly Admission Nobody = new(new HashSet<string>(StringComparer.Ordinal), AdmitOnBirth: false);

    private static IncomingMessage Message(string topic, int length) => new(topic, new byte[length], length, false);

    private static Batch Envelope(ulong seq, string bufferId = BufferA, string gateway = Gateway) =>
        BatchCodec.Encode(new BatchHeader(gateway, 1, seq, 0, BatchKind.Telemetry, bufferId), FakeGateway.SampleReadings(3));

    private static Birth BirthOf(ulong epoch, string bufferId = BufferA, params (uint Alias, string Id)[] points)
    {
        var birth = new Birth { GatewayId = Gateway, Epoch = epoch, BufferId = bufferId, SoftwareVersion = "t" };
        birth.Points.AddRange(points.Select(p => new PointInfo { Alias = p.Alias, Id = p.Id, Unit = "kW", Type = PointType.Number }));
        return birth;
    }

    /// <summary>A gateway whose current buffer is A at epoch 5 with seqs 1-3 committed, after a birth.</summary>
    private static GatewayState KnownGateway()
    {
        var state = new GatewayState(Gateway) { HasBirth = true };
        state.SwitchTo(BufferA, 5);
        state.CommittedSeqs.Add(1);
        state.CommittedSeqs.Add(2);
        state.CommittedSeqs.Add(3);
        return state;
    }

    [Theory]
    [InlineData("city/v1/gw/data", "Accept", "")]
    [InlineData("city/v1/gw/birth", "Accept", "")]
    [InlineData("city/v1/gw/death", "Accept", "")]
    [InlineData("city/v1/gw/ack", "Ignore", MessageValidator.IgnoredCentralOutput)]
    [InlineData("city/v1/gw/cmd", "Ignore", MessageValidator.IgnoredCentralOutput)]
    [InlineData("city/v1/gw/cmd-result", "Ignore", MessageValidator.IgnoredCommandResult)]
    [InlineData("city/v1/gw/other", "Reject", MessageValidator.ReasonWrongTopic)]
    [InlineData("city/v2/gw/data", "Reject", MessageValidator.ReasonWrongTopic)]
    [InlineData("city/v1/bad id/data", "Reject", MessageValidator.ReasonWrongTopic)]
    public void CheckRoute_ByTopic(string topic, string kind, string reason)
    {
        var verdict = MessageValidator.CheckRoute(Message(topic, 10), MaxPayloadBytes);
        Assert.Equal(kind, verdict.Kind.ToString());
        Assert.Equal(reason, verdict.Reason);
    }

    [Fact]
    public void CheckRoute_PayloadAboveTheLimit_IsOversize_EvenWhenNotCopied()
    {
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckRoute(Message(Topics.Data(Gateway), MaxPayloadBytes), MaxPayloadBytes).Kind);
        Assert.Equal(MessageValidator.ReasonOversize, MessageValidator.CheckRoute(Message(Topics.Data(Gateway), MaxPayloadBytes + 1), MaxPayloadBytes).Reason);
        var notCopied = new IncomingMessage(Topics.Birth(Gateway), null, 5_000_000, true);
        Assert.Equal(MessageValidator.ReasonOversize, MessageValidator.CheckRoute(notCopied, MaxPayloadBytes).Reason);
    }

    [Fact]
    public void CheckRoute_EmptyBirthOrDeath_IsAClearedRetainedMessage_Ignored_EmptyDataIsNot()
    {
        Assert.Equal(MessageValidator.IgnoredCleared, MessageValidator.CheckRoute(Message(Topics.Birth(Gateway), 0), MaxPayloadBytes).Reason);
        Assert.Equal(MessageValidator.IgnoredCleared, MessageValidator.CheckRoute(Message(Topics.Death(Gateway), 0), MaxPayloadBytes).Reason);
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckRoute(Message(Topics.Data(Gateway), 0), MaxPayloadBytes).Kind);
    }

    [Fact]
    public void CheckBatch_OtherGatewayInThePayload_IsGatewayMismatch()
    {
        var verdict = MessageValidator.CheckBatch(Gateway, Envelope(1, gateway: "other"), KnownGateway(), AllowListOnly);
        Assert.Equal(VerdictKind.Reject, verdict.Kind);
        Assert.Equal(MessageValidator.ReasonGatewayMismatch, verdict.Reason);
        Assert.Contains("'other'", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckBatch_Admission_AllowListOrABirthWhenAdmitOnBirth()
    {
        var withoutBirth = new GatewayState(Gateway);
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckBatch(Gateway, Envelope(1), null, AllowListOnly).Kind);
        Assert.Equal(MessageValidator.ReasonUnknownGateway, MessageValidator.CheckBatch(Gateway, Envelope(1), KnownGateway(), Nobody).Reason);
        Assert.Equal(MessageValidator.ReasonUnknownGateway, MessageValidator.CheckBatch(Gateway, Envelope(1), null, ByBirth).Reason);
        Assert.Equal(MessageValidator.ReasonUnknownGateway, MessageValidator.CheckBatch(Gateway, Envelope(1), withoutBirth, ByBirth).Reason);
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckBatch(Gateway, Envelope(4), KnownGateway(), ByBirth).Kind);
        Assert.Contains("no birth seen yet", MessageValidator.CheckBatch(Gateway, Envelope(1), null, ByBirth).Detail, StringComparison.Ordinal);
        Assert.Contains("AdmitOnBirth is off", MessageValidator.CheckBatch(Gateway, Envelope(1), null, Nobody).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckBatch_CommittedSeqOfTheSameBuffer_IsADuplicate_OfAnotherBuffer_IsNot()
    {
        var state = KnownGateway();
        Assert.Equal(VerdictKind.Duplicate, MessageValidator.CheckBatch(Gateway, Envelope(2), state, AllowListOnly).Kind);
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckBatch(Gateway, Envelope(4), state, AllowListOnly).Kind);
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckBatch(Gateway, Envelope(2, BufferB), state, AllowListOnly).Kind);
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckBatch(Gateway, Envelope(2, bufferId: ""), state, AllowListOnly).Kind);

        // Checking changes nothing: the unknown buffer is not added.
        Assert.False(state.Streams.ContainsKey(BufferB));
    }

    [Fact]
    public void CheckBody_GoodBody_IsAccepted_WithItsReadings()
    {
        var verdict = MessageValidator.CheckBody(Envelope(1), out var body);
        Assert.Equal(VerdictKind.Accept, verdict.Kind);
        Assert.Equal(9, BatchCodec.Flatten(body).Count);
    }

    [Fact]
    public void CheckBody_ChangedBody_IsBadChecksum_WrongCount_IsCountMismatch()
    {
        var changed = Envelope(1);
        var bytes = changed.Body.ToByteArray();
        bytes[^1] ^= 0x40;
        changed.Body = ByteString.CopyFrom(bytes);
        Assert.Equal(ContractError.BadChecksum.Reason(), MessageValidator.CheckBody(changed, out _).Reason);

        var miscounted = Envelope(1);
        miscounted.ReadingCount++;
        Assert.Equal(ContractError.CountMismatch.Reason(), MessageValidator.CheckBody(miscounted, out _).Reason);
    }

    [Fact]
    public void CheckBirth_ReadsTheCatalogue()
    {
        var verdict = MessageValidator.CheckBirth(Gateway, BirthOf(1, BufferA, (1, "m/p"), (2, "m/q")), null, ByBirth, out var catalogue);
        Assert.Equal(VerdictKind.Accept, verdict.Kind);
        Assert.Equal(["m/p", "m/q"], catalogue.Select(p => p.Id));
        Assert.Equal([1u, 2u], catalogue.Select(p => p.Alias));
    }

    [Theory]
    [InlineData(1u, "", 2u, "b", "alias 1 has no id")]
    [InlineData(1u, "a", 1u, "b", "alias 1 appears twice")]
    [InlineData(1u, "a", 2u, "a", "point id 'a' appears twice")]
    public void CheckBirth_BadCatalogue_IsInvalidCatalogue(uint alias1, string id1, uint alias2, string id2, string problem)
    {
        var verdict = MessageValidator.CheckBirth(Gateway, BirthOf(1, BufferA, (alias1, id1), (alias2, id2)), null, ByBirth, out _);
        Assert.Equal(MessageValidator.ReasonInvalidCatalogue, verdict.Reason);
        Assert.Equal(problem, verdict.Detail);
    }

    [Fact]
    public void CheckBirth_Identity_Admission_AndBufferId_AreChecked()
    {
        var foreign = BirthOf(1);
        foreign.GatewayId = "other";
        var invalidId = BirthOf(1);
        invalidId.GatewayId = "bad id";
        Assert.Equal(MessageValidator.ReasonGatewayMismatch, MessageValidator.CheckBirth(Gateway, foreign, null, ByBirth, out _).Reason);
        Assert.Equal(ContractError.InvalidGatewayId.Reason(), MessageValidator.CheckBirth(Gateway, invalidId, null, ByBirth, out _).Reason);
        Assert.Equal(MessageValidator.ReasonUnknownGateway, MessageValidator.CheckBirth(Gateway, BirthOf(1), null, Nobody, out _).Reason);
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckBirth(Gateway, BirthOf(1), null, AllowListOnly, out _).Kind);
        Assert.Equal(ContractError.InvalidBufferId.Reason(), MessageValidator.CheckBirth(Gateway, BirthOf(1, "bad buffer"), null, ByBirth, out _).Reason);
    }

    [Fact]
    public void CheckBirth_Epochs_CountWithinOneBuffer()
    {
        var state = KnownGateway();
        state.SwitchTo(BufferB, 2);

        // Current buffer B at epoch 2; A's last birth had epoch 5.
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckBirth(Gateway, BirthOf(2, BufferB), state, ByBirth, out _).Kind);
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckBirth(Gateway, BirthOf(3, BufferB), state, ByBirth, out _).Kind);
        Assert.Equal(MessageValidator.ReasonStaleBirth, MessageValidator.CheckBirth(Gateway, BirthOf(1, BufferB), state, ByBirth, out _).Reason);
        Assert.Equal(MessageValidator.ReasonStaleBirth, MessageValidator.CheckBirth(Gateway, BirthOf(5, BufferA), state, ByBirth, out _).Reason);
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckBirth(Gateway, BirthOf(6, BufferA), state, ByBirth, out _).Kind);
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckBirth(Gateway, BirthOf(1, "cccccccccccccccccccccccccccccccc"), state, ByBirth, out _).Kind);
        Assert.Contains("not newer than 5", MessageValidator.CheckBirth(Gateway, BirthOf(4, BufferA), state, ByBirth, out _).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckDeath_OnlyTheCurrentBufferAndEpoch_TakeTheGatewayOffline()
    {
        var state = KnownGateway();
        Assert.Equal(VerdictKind.Accept, MessageValidator.CheckDeath(Gateway, new Death { GatewayId = Gateway, Epoch = 5, BufferId = BufferA }, state).Kind);
        Assert.Equal(MessageValidator.IgnoredStaleDeath, MessageValidator.CheckDeath(Gateway, new Death { GatewayId = Gateway, Epoch = 4, BufferId = BufferA }, state).Reason);
        Assert.Equal(MessageValidator.IgnoredStaleDeath, MessageValidator.CheckDeath(Gateway, new Death { GatewayId = Gateway, Epoch = 5, BufferId = BufferB }, state).Reason);
        Assert.Equal(MessageValidator.IgnoredNotKnown, MessageValidator.CheckDeath(Gateway, new Death { GatewayId = Gateway, Epoch = 5, BufferId = BufferA }, null).Reason);
        Assert.Equal(MessageValidator.ReasonGatewayMismatch, MessageValidator.CheckDeath(Gateway, new Death { GatewayId = "other", Epoch = 5 }, state).Reason);
    }
}
