using System.Net;
using City.Central.Mqtt;
using MQTTnet;

namespace City.Central.Tests;

public sealed class IngestClientTests
{
    [Fact]
    public void ConnectionOptions_UseLargeSocketBuffers_NotMqttnetsDefault()
    {
        // MQTTnet's 8 KiB default fixes SO_RCVBUF at 16 KiB: against mosquitto a backlog then drains on
        // loopback in window-sized pieces on the kernel's 200 ms timers (tens of messages per second).
        var options = IngestClient.ConnectionOptions("127.0.0.1", 11883, "central-ingest", null, null).Build();

        var tcp = Assert.IsType<MqttClientTcpOptions>(options.ChannelOptions);
        Assert.True(tcp.BufferSize >= 256 * 1024, $"BufferSize {tcp.BufferSize}");
        Assert.Equal(IngestClient.SocketBufferBytes, tcp.BufferSize);
        var endpoint = Assert.IsType<DnsEndPoint>(tcp.RemoteEndpoint);
        Assert.Equal(("127.0.0.1", 11883), (endpoint.Host, endpoint.Port));
        Assert.Equal("central-ingest", options.ClientId);
    }
}
