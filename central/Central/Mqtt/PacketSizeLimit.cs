using System.Buffers;
using System.Net;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Server;

namespace City.Central.Mqtt;

/// <summary>
/// MQTTnet 5's broker has no maximum packet size of its own: it allocates whatever remaining length a
/// fixed header announces and reads the whole packet. This server adapter wraps the TCP one and puts a
/// <see cref="SizeLimitedChannel"/> under every accepted connection, so a packet whose header announces
/// more than the limit closes that connection before any of its body is read.
/// </summary>
internal sealed class SizeLimitedServerAdapter(IMqttServerAdapter inner, int maxPacketBytes) : IMqttServerAdapter
{
    // MqttChannelAdapter keeps its channel private; this is the one place that reaches it.
    private static readonly FieldInfo ChannelField =
        typeof(MqttChannelAdapter).GetField("_channel", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("MQTTnet's MqttChannelAdapter has no _channel field any more: the broker's packet size limit cannot be installed.");

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        inner.ClientHandler = adapter =>
        {
            if (adapter is MqttChannelAdapter channelAdapter && ChannelField.GetValue(channelAdapter) is IMqttChannel channel)
            {
                ChannelField.SetValue(channelAdapter, new SizeLimitedChannel(channel, maxPacketBytes));
            }

            return ClientHandler?.Invoke(adapter) ?? Task.CompletedTask;
        };
        return inner.StartAsync(options, logger);
    }

    public Task StopAsync() => inner.StopAsync();

    public void Dispose() => inner.Dispose();
}

/// <summary>
/// Follows the MQTT framing of the bytes read (fixed header, variable-length remaining length, body) and
/// fails the read that completes a remaining length above the limit, before the body is read.
/// </summary>
internal sealed class SizeLimitedChannel(IMqttChannel inner, int maxPacketBytes) : IMqttChannel
{
    private int _headerBytesSeen;    // 0: expecting the packet type byte; 1-4: remaining-length bytes read
    private long _remainingLength;
    private long _bodyLeft;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        Follow(buffer.AsSpan(offset, read));
        return read;
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

    public void Dispose() => inner.Dispose();

    private void Follow(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            if (_bodyLeft > 0)
            {
                var skip = (int)Math.Min(_bodyLeft, bytes.Length - i);
                _bodyLeft -= skip;
                i += skip;
                continue;
            }

            var b = bytes[i++];
            if (_headerBytesSeen == 0)
            {
                _headerBytesSeen = 1;
                _remainingLength = 0;
                continue;
            }

            _remainingLength |= (long)(b & 0x7F) << (7 * (_headerBytesSeen - 1));
            _headerBytesSeen++;
            if ((b & 0x80) != 0 && _headerBytesSeen <= 4)
            {
                continue;
            }

            if (_remainingLength > maxPacketBytes)
            {
                throw new IOException($"MQTT packet of {_remainingLength} bytes from {RemoteEndPoint} refused: above the broker's maximum of {maxPacketBytes} (Central:MaxPayloadBytes plus headroom for the topic and properties).");
            }

            _headerBytesSeen = 0;
            _bodyLeft = _remainingLength;
        }
    }
}
