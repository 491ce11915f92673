using System.Text;
using MQTTnet.Packets;

namespace City.Contract.Mqtt.Tests;

/// <summary>
/// An MQTT password (central's Central:Mqtt:Password in external mode) is never in the text of what central and the edge
/// log: a BrokerConnection prints as host:port, and MQTTnet's own trace of the CONNECT packet (central forwards MQTTnet's
/// log at Trace) shows **** in its place.
/// </summary>
public sealed class SecretTextTests
{
    private const string Password = "s3cr3t-mqtt-password";

    [Fact]
    public void A_broker_connection_prints_no_password()
    {
        var connection = new BrokerConnection("127.0.0.1", 8883, "central:ingest") { Username = "central", Password = Password };
        Assert.Equal("127.0.0.1:8883", connection.ToString());
    }

    [Fact]
    public void MQTTnets_trace_of_a_connect_packet_masks_the_password()
    {
        var packet = new MqttConnectPacket { ClientId = "central:ingest", Username = "central", Password = Encoding.UTF8.GetBytes(Password) };
        var text = packet.ToString();
        Assert.Contains("central:ingest", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
    }
}
