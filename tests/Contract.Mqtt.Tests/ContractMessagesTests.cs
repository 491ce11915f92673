using System.Buffers;
using City.Contract.Wire;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;

namespace City.Contract.Mqtt.Tests;

public sealed class ContractMessagesTests
{
    [Fact]
    public void The_Birth_is_retained_at_QoS_1_on_its_gateways_birth_topic()
    {
        var birth = new Birth { GatewayId = "gw-1", Epoch = 3, SoftwareVersion = "1.0" };
        birth.Points.Add(new PointInfo { Alias = 1, Id = "meter1/voltage", Unit = "V" });

        var message = ContractMessages.Birth(birth);

        Assert.Equal("city/v1/gw-1/birth", message.Topic);
        Assert.True(message.Retain);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        Assert.Equal(birth, Birth.Parser.ParseFrom(message.Payload.ToArray()));
    }

    [Fact]
    public void Data_Death_and_Ack_are_QoS_1_and_not_retained()
    {
        var batch = new byte[] { 1, 2, 3 };
        var ack = new Ack();
        ack.CommittedSeqs.Add(5);
        var messages = new[]
        {
            (ContractMessages.Data("gw-1", batch), "city/v1/gw-1/data", batch),
            (ContractMessages.Death(new Death { GatewayId = "gw-1", Epoch = 2 }), "city/v1/gw-1/death", new Death { GatewayId = "gw-1", Epoch = 2 }.ToByteArray()),
            (ContractMessages.Ack("gw-1", ack), "city/v1/gw-1/ack", ack.ToByteArray()),
        };

        foreach (var (message, topic, payload) in messages)
        {
            Assert.Equal(topic, message.Topic);
            Assert.False(message.Retain);
            Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
            Assert.Equal(payload, message.Payload.ToArray());
        }
    }

    [Fact]
    public void An_Ack_parses_from_a_payload_in_several_segments()
    {
        var ack = new Ack { RejectReason = "inconsistent-series" };
        ack.CommittedSeqs.Add([1, 2, 3]);
        ack.RejectedSeqs.Add(4);
        var bytes = ack.ToByteArray();
        var message = new MqttApplicationMessage
        {
            Topic = "city/v1/gw-1/ack",
            Payload = Segments(bytes[..3], bytes[3..]),
        };

        Assert.True(ContractMessages.TryParseAck(message, out var parsed));
        Assert.Equal(ack, parsed);
    }

    [Fact]
    public void A_payload_that_is_not_an_Ack_does_not_parse()
    {
        var message = new MqttApplicationMessage { Topic = "city/v1/gw-1/ack", Payload = new ReadOnlySequence<byte>([0xFF, 0xFF, 0xFF]) };

        Assert.False(ContractMessages.TryParseAck(message, out _));
    }

    [Fact]
    public void A_command_goes_on_its_gateways_cmd_topic_at_QoS_1_not_retained_and_parses_back()
    {
        var command = new SignedCommand { Body = ByteString.CopyFrom(1, 2, 3), Signature = ByteString.CopyFrom(new byte[64]) };

        var message = ContractMessages.Command("gw-1", command);

        Assert.Equal("city/v1/gw-1/cmd", message.Topic);
        Assert.Equal(Topics.Command("gw-1"), message.Topic);
        Assert.False(message.Retain);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        var bytes = message.Payload.ToArray();
        var split = new MqttApplicationMessage { Topic = message.Topic, Payload = Segments(bytes[..4], bytes[4..]) };
        Assert.True(ContractMessages.TryParseCommand(split, out var parsed));
        Assert.Equal(command, parsed);
    }

    [Fact]
    public void A_command_result_goes_on_its_gateways_cmd_result_topic_at_QoS_1_and_parses_back()
    {
        var result = new CommandResult
        {
            Id = "0b6b1a2e-5c3d-4f7a-9e21-8d4c2b7f6a10", GatewayId = "gw-2", Status = CommandStatus.Done, Detail = "ok",
            TimeUnixMs = 1_790_000_000_500, ReadBack = "1", ResultSeq = 42,
        };

        var message = ContractMessages.CommandResult(result);

        Assert.Equal("city/v1/gw-2/cmd-result", message.Topic);
        Assert.Equal(Topics.CommandResult("gw-2"), message.Topic);
        Assert.False(message.Retain);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        Assert.True(ContractMessages.TryParseCommandResult(message, out var parsed));
        Assert.Equal(result, parsed);
        Assert.True(parsed.HasReadBack);
    }

    [Fact]
    public void Payloads_that_are_not_commands_or_results_do_not_parse()
    {
        var message = new MqttApplicationMessage { Topic = "city/v1/gw-1/cmd", Payload = new ReadOnlySequence<byte>([0xFF, 0xFF, 0xFF]) };

        Assert.False(ContractMessages.TryParseCommand(message, out _));
        Assert.False(ContractMessages.TryParseCommandResult(message, out _));
        Assert.Throws<ArgumentException>(() => ContractMessages.CommandResult(new CommandResult { GatewayId = "no/slash" }));
    }

    [Fact]
    public void An_Ack_carries_committed_result_seqs_as_field_4()
    {
        var ack = new Ack();
        ack.CommittedResultSeqs.Add([7, 8]);

        var message = ContractMessages.Ack("gw-1", ack);

        Assert.Equal("22020708", Convert.ToHexString(message.Payload.ToArray()));
        Assert.True(ContractMessages.TryParseAck(message, out var parsed));
        Assert.Equal([7UL, 8UL], parsed.CommittedResultSeqs);
    }

    private static ReadOnlySequence<byte> Segments(byte[] first, byte[] second)
    {
        var start = new Segment(first, 0);
        var end = start.Append(second);
        return new ReadOnlySequence<byte>(start, 0, end, second.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
