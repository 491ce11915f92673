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
