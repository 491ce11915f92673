using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;

namespace City.Hostile;

/// <summary>The clients of the hostile load: strangers that connect and leave, consumers that do not read, a replaying gateway.</summary>
internal static class HostileClients
{
    /// <summary>The fixed start of a replayed history (readings a second apart from there), so two runs encode the same bytes.</summary>
    private const long HistoryStartUnixMs = 1_793_491_200_000; // 2026-11-01T00:00:00Z

    private const int HistoryPoints = 10;
    private const int ReadingsPerPoint = 10;

    public static Birth BirthOf(string gatewayId, string bufferId, int points)
    {
        var birth = new Birth { GatewayId = gatewayId, BufferId = bufferId, Epoch = 1, TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), SoftwareVersion = "hostile-load" };
        for (uint alias = 1; alias <= points; alias++)
        {
            birth.Points.Add(new PointInfo { Alias = alias, Id = $"h/p{alias}", Unit = "W", Type = PointType.Number, Device = "h" });
        }

        return birth;
    }

    /// <summary>A 32-hex-digit buffer id derived from the gateway id: the same history gets the same id in every run.</summary>
    public static string BufferIdOf(string gatewayId) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(gatewayId))[..16]);

    /// <summary>Batch <paramref name="seq"/> of the history, byte for byte the same in every run.</summary>
    public static byte[] HistoryBatch(string gatewayId, ulong seq, int points = HistoryPoints, int readingsPerPoint = ReadingsPerPoint)
    {
        var start = HistoryStartUnixMs + ((long)(seq - 1) * readingsPerPoint * 1000);
        var readings = new List<Reading>(points * readingsPerPoint);
        for (var i = 0; i < readingsPerPoint; i++)
        {
            for (uint alias = 1; alias <= points; alias++)
            {
                readings.Add(new Reading(alias, start + (i * 1000), PointValue.FromNumber(Math.Round(100 + (alias * 3) + Math.Sin((seq * 10) + (ulong)i), 2))));
            }
        }

        return BatchCodec.EncodeToBytes(new BatchHeader(gatewayId, 1, seq, start, BatchKind.Telemetry, BufferIdOf(gatewayId)), readings);
    }

    /// <summary>
    /// Publishes batches 1..<paramref name="batches"/> of the gateway's history (birth first), at most <paramref name="window"/>
    /// waiting for their ack; returns the batches acknowledged as committed.
    /// </summary>
    public static async Task<int> PublishHistoryAsync(string host, int port, string gatewayId, int batches, int window, CancellationToken cancel)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        using var slots = new SemaphoreSlim(window);
        var waiting = new HashSet<ulong>();
        var acked = 0;
        client.ApplicationMessageReceivedAsync += e =>
        {
            var ack = Ack.Parser.ParseFrom(e.ApplicationMessage.Payload);
            lock (waiting)
            {
                foreach (var seq in ack.CommittedSeqs.Concat(ack.RejectedSeqs))
                {
                    if (waiting.Remove(seq))
                    {
                        acked += ack.CommittedSeqs.Contains(seq) ? 1 : 0;
                        slots.Release();
                    }
                }
            }

            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId(gatewayId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithCleanStart(true).Build(), cancel).ConfigureAwait(false);
        await client.SubscribeAsync(Topics.Ack(gatewayId), MqttQualityOfServiceLevel.AtLeastOnce, cancel).ConfigureAwait(false);
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Birth(gatewayId)).WithRetainFlag(true)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithPayload(BirthOf(gatewayId, BufferIdOf(gatewayId), HistoryPoints).ToByteArray()).Build(), cancel).ConfigureAwait(false);
        for (ulong seq = 1; seq <= (ulong)batches; seq++)
        {
            await slots.WaitAsync(cancel).ConfigureAwait(false);
            lock (waiting)
            {
                waiting.Add(seq);
            }

            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Data(gatewayId))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithPayload(HistoryBatch(gatewayId, seq)).Build(), cancel).ConfigureAwait(false);
        }

        // Whatever is still waiting: up to 30 s for its acks.
        for (var i = 0; i < window; i++)
        {
            if (!await slots.WaitAsync(TimeSpan.FromSeconds(30), cancel).ConfigureAwait(false))
            {
                break;
            }
        }

        await client.DisconnectAsync(cancellationToken: cancel).ConfigureAwait(false);
        return acked;
    }

    /// <summary>A stranger on the TLS port that sends random bytes instead of a handshake and leaves.</summary>
    public static async Task<string> RawGarbageAsync(string host, int port, Random random, CancellationToken cancel)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(host, port, cancel).ConfigureAwait(false);
        var junk = new byte[random.Next(1, 4096)];
        random.NextBytes(junk);
        await socket.SendAsync(junk, cancel).ConfigureAwait(false);
        return "raw";
    }

    /// <summary>A stranger that completes TLS without a client certificate (refused by the broker) and leaves.</summary>
    public static async Task<string> TlsWithoutCertificateAsync(string host, int port, CancellationToken cancel)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cancel).ConfigureAwait(false);
        await using var tls = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, cancel).ConfigureAwait(false);
            var junk = new byte[64];
            await tls.WriteAsync(junk, cancel).ConfigureAwait(false);
            return "tls-no-certificate";
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            return "tls-refused";
        }
    }

    /// <summary>
    /// An MQTT client under an identity of its own (the plain listener: what a holder of one stolen certificate could do on
    /// TLS) that publishes garbage on its data, birth and death topics and on another gateway's, then drops its socket.
    /// </summary>
    public static async Task<string> MqttGarbageAsync(string host, int port, string clientId, string victim, Random random, CancellationToken cancel)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var connected = await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId(clientId)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithCleanStart(true).Build(), cancel).ConfigureAwait(false);
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                return "mqtt-refused";
            }
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Refused (central admits only so many new gateways a minute): the stranger leaves.
            return "mqtt-refused";
        }

        if (!client.IsConnected)
        {
            return "mqtt-refused";
        }

        try
        {
            foreach (var topic in new[] { Topics.Data(clientId), Topics.Birth(clientId), Topics.Death(clientId), Topics.Data(victim), $"city/v1/{clientId}/nonsense" })
            {
                var junk = new byte[random.Next(1, 2048)];
                random.NextBytes(junk);
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(junk)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancel).ConfigureAwait(false);
            }

            // Leaves without a DISCONNECT half the time: the broker finds out from the closed socket.
            if (random.Next(2) == 0)
            {
                await client.DisconnectAsync(cancellationToken: cancel).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttClientNotConnectedException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker closed the connection (after a refused CONNECT, or in the middle).
            return "mqtt-closed";
        }

        return "mqtt-garbage";
    }

    /// <summary>A live-stream client that sends its request and then never reads (a tiny receive buffer).</summary>
    public static async Task<Socket> SlowStreamClientAsync(Uri baseUrl, string token, CancellationToken cancel)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(baseUrl.Host, baseUrl.Port, cancel).ConfigureAwait(false);
        var request = $"GET /api/v1/stream HTTP/1.1\r\nHost: {baseUrl.Authority}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), cancel).ConfigureAwait(false);
        return socket;
    }

    /// <summary>
    /// True when the peer closed (or reset) the connection: reads and throws away what is still buffered or in flight until
    /// the end of the stream, or until nothing came for a second (still open: false).
    /// </summary>
    public static bool ClosedByPeer(Socket socket)
    {
        var sink = new byte[64 * 1024];
        socket.ReceiveTimeout = 1000;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                if (socket.Receive(sink) == 0)
                {
                    return true;
                }
            }

            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>
    /// An MQTT 5 subscriber that never reads: connects as <paramref name="gatewayId"/>, subscribes to its ack topic, sends
    /// its birth and then a valid batch every <paramref name="every"/> without ever reading a byte, so the broker's
    /// answers (CONNACK, SUBACK, PUBACKs, acks) pile up for it. Written by hand on a raw socket so nothing reads for it.
    /// Its batches (<paramref name="points"/> points, <paramref name="readingsPerPoint"/> readings each) also feed the live stream.
    /// </summary>
    public static async Task<int> NonReadingSubscriberAsync(string host, int port, string gatewayId, TimeSpan every, CancellationToken cancel, int points = HistoryPoints, int readingsPerPoint = ReadingsPerPoint)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(host, port, cancel).ConfigureAwait(false);
        await socket.SendAsync(MqttPackets.Connect(gatewayId), cancel).ConfigureAwait(false);
        await socket.SendAsync(MqttPackets.Subscribe(1, Topics.Ack(gatewayId)), cancel).ConfigureAwait(false);
        var bufferId = BufferIdOf(gatewayId);
        await socket.SendAsync(MqttPackets.Publish(Topics.Birth(gatewayId), 2, BirthOf(gatewayId, bufferId, points).ToByteArray()), cancel).ConfigureAwait(false);
        var published = 0;
        using var timer = new PeriodicTimer(every);
        try
        {
            for (ulong seq = 1; await timer.WaitForNextTickAsync(cancel).ConfigureAwait(false); seq++)
            {
                var packetId = (ushort)((seq % 60000) + 3);
                await socket.SendAsync(MqttPackets.Publish(Topics.Data(gatewayId), packetId, HistoryBatch(gatewayId, seq, points, readingsPerPoint)), cancel).ConfigureAwait(false);
                published++;
            }
        }
        catch (OperationCanceledException)
        {
            // The end of the run.
        }

        return published;
    }
}

/// <summary>The three MQTT 5 packets the non-reading subscriber sends (OASIS MQTT 5.0, sections 3.1, 3.3 and 3.8).</summary>
internal static class MqttPackets
{
    public static byte[] Connect(string clientId)
    {
        var body = new List<byte>();
        AddString(body, "MQTT");
        body.Add(5); // protocol version
        body.Add(0x02); // clean start
        body.AddRange([0x00, 0x3C]); // keep alive 60 s
        body.Add(0); // no properties
        AddString(body, clientId);
        return Packet(0x10, body);
    }

    public static byte[] Subscribe(ushort packetId, string filter)
    {
        var body = new List<byte>();
        AddUInt16(body, packetId);
        body.Add(0); // no properties
        AddString(body, filter);
        body.Add(0x01); // QoS 1
        return Packet(0x82, body);
    }

    public static byte[] Publish(string topic, ushort packetId, byte[] payload)
    {
        var body = new List<byte>();
        AddString(body, topic);
        AddUInt16(body, packetId);
        body.Add(0); // no properties
        body.AddRange(payload);
        return Packet(0x32, body); // QoS 1
    }

    private static byte[] Packet(byte header, List<byte> body)
    {
        var packet = new List<byte> { header };
        var length = body.Count;
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            packet.Add(length > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (length > 0);
        packet.AddRange(body);
        return [.. packet];
    }

    private static void AddString(List<byte> body, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        AddUInt16(body, (ushort)bytes.Length);
        body.AddRange(bytes);
    }

    private static void AddUInt16(List<byte> body, ushort value)
    {
        Span<byte> two = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(two, value);
        body.AddRange(two.ToArray());
    }
}
