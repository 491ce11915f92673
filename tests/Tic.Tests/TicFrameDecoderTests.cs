namespace City.Protocols.Tic.Tests;

public sealed class TicFrameDecoderTests
{
    [Fact]
    public void The_recorded_historic_frame_gives_every_group_in_historic_mode()
    {
        var frame = Assert.Single(new TicFrameDecoder().Feed(TicVectors.HistoricFrame));
        Assert.Equal(TicMode.Historic, frame.Mode);
        Assert.Equal((0, 0, false), (frame.BadChecksums, frame.MalformedGroups, frame.Interrupted));
        Assert.Equal(16, frame.Groups.Count);
        Assert.Equal("031961098836", frame.Find("ADCO")!.Value);
        Assert.Equal("BBR(", frame.Find("OPTARIF")!.Value);
        Assert.Equal("001478389", frame.Find("BBRHCJB")!.Value);
        Assert.Equal("HPJB", frame.Find("PTEC")!.Value);
        Assert.Equal("00120", frame.Find("PAPP")!.Value);
        Assert.All(frame.Groups, g => Assert.Null(g.Timestamp));
    }

    [Fact]
    public void The_recorded_standard_frame_gives_every_group_with_its_date()
    {
        var frame = Assert.Single(new TicFrameDecoder().Feed(TicVectors.StandardFrame));
        Assert.Equal(TicMode.Standard, frame.Mode);
        Assert.Equal(0, frame.BadGroups);
        Assert.Equal(55, frame.Groups.Count);
        var date = frame.Find("DATE")!;
        Assert.Equal("", date.Value);
        Assert.Equal("2020-02-14T23:08:04+01:00", date.Timestamp.ToString());
        Assert.Equal("     TEMPO      ", frame.Find("NGTF")!.Value);
        Assert.Equal("HC  BLANC", frame.Find("LTARF")!.TrimmedValue);
        Assert.Equal("09562", frame.Find("SMAXSN-1")!.Value);
        Assert.Equal(TicSeason.None, frame.Find("DPM1")!.Timestamp!.Value.Season);
        Assert.Equal("PAS DE          MESSAGE         ", frame.Find("MSG1")!.Value);
        Assert.StartsWith("00004001 06004002", frame.Find("PJOURF+1")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void The_status_register_of_the_recorded_frame_matches_its_other_groups()
    {
        var frame = Assert.Single(new TicFrameDecoder().Feed(TicVectors.StandardFrame));
        Assert.True(TicStatusRegister.TryParse(frame.Find("STGE")!.Value, out var status));
        Assert.Equal(0x463A0800u, status.Raw);
        // LTARF says "HC BLANC": a white Tempo day; NTARF says supplier index 3; the output is in standard mode.
        Assert.Equal("white", status.TempoToday);
        Assert.Equal("blue", status.TempoTomorrow);
        Assert.Equal(int.Parse(frame.Find("NTARF")!.Value, System.Globalization.CultureInfo.InvariantCulture), status.SupplierTariffIndex);
        Assert.True(status.StandardTic);
        Assert.False(status.ClockDegraded);
        Assert.Equal("closed", status.CutOff);
        Assert.False(status.DryContactOpen);
        Assert.Equal("enabled-with-security", status.Euridis);
        Assert.Equal("new-lock", status.PlcStatus);
        Assert.Equal(18, status.Fields().Count);
    }

    [Theory]
    [InlineData(0x00000001u, "dry-contact-open", true)]
    [InlineData(0x0000000Eu, "cut-off", "unknown")]
    [InlineData(0x00000002u, "cut-off", "open-overpower")]
    [InlineData(0x00000008u, "cut-off", "open-remote-order")]
    [InlineData(0x00003C00u, "supplier-tariff-index", 16)]
    [InlineData(0x0000C000u, "distributor-tariff-index", 4)]
    [InlineData(0x00010000u, "clock-degraded", true)]
    [InlineData(0x03000000u, "tempo-today", "red")]
    [InlineData(0x30000000u, "mobile-peak-notice", "pm3")]
    [InlineData(0x40000000u, "mobile-peak", "pm1")]
    public void Each_status_field_reads_its_bits(uint raw, string field, object expected) =>
        Assert.Equal(expected, new TicStatusRegister(raw).Fields().Single(f => f.Name == field).Value);

    [Fact]
    public void The_parity_bit_of_7E1_characters_is_dropped()
    {
        var plain = Assert.Single(new TicFrameDecoder().Feed(TicVectors.StandardFrame));
        var withParity = Assert.Single(new TicFrameDecoder().Feed(TicVectors.WithEvenParity(TicVectors.StandardFrame)));
        Assert.Equal(plain.Groups, withParity.Groups);
        Assert.Equal(0, withParity.BadGroups);
    }

    [Fact]
    public void A_bad_checksum_drops_that_group_only_and_is_counted()
    {
        var text = TicVectors.HistoricTempoGroups.Replace("PAPP 00120 $", "PAPP 00130 $", StringComparison.Ordinal)
            .Replace("IMAX 060 E", "IMAX 060 F", StringComparison.Ordinal);
        var decoder = new TicFrameDecoder();
        var frame = Assert.Single(decoder.Feed(TicVectors.Frame(text)));
        Assert.Equal((2, 0), (frame.BadChecksums, frame.MalformedGroups));
        Assert.Equal(14, frame.Groups.Count);
        Assert.Null(frame.Find("PAPP"));
        Assert.Null(frame.Find("IMAX"));
        Assert.NotNull(frame.Find("IINST"));
        Assert.Equal(2, decoder.TotalBadChecksums);
    }

    [Fact]
    public void EOT_interrupts_the_frame_and_keeps_the_groups_before_it()
    {
        var bytes = TicVectors.StandardFrame;
        int cut = Array.IndexOf(bytes, (byte)'I', Array.IndexOf(bytes, (byte)'E', 10)); // somewhere after a few groups
        var stream = bytes[..cut].Concat(new byte[] { TicChars.EOT }).Concat(TicVectors.StandardFrame).ToArray();
        var decoder = new TicFrameDecoder();
        var frames = decoder.Feed(stream);
        Assert.Equal(2, frames.Count);
        Assert.True(frames[0].Interrupted);
        Assert.NotEmpty(frames[0].Groups);
        Assert.Equal("041776199277", frames[0].Find("ADSC")!.Value);
        Assert.Equal(1, frames[0].MalformedGroups); // the group cut in the middle
        Assert.False(frames[1].Interrupted);
        Assert.Equal(55, frames[1].Groups.Count);
        Assert.Equal((1, 1), (decoder.Frames, decoder.InterruptedFrames));
    }

    [Fact]
    public void A_reader_joining_mid_frame_starts_at_the_next_STX()
    {
        var bytes = TicVectors.HistoricFrame;
        var stream = bytes[40..].Concat(bytes).Concat(bytes[..30]).ToArray();
        var frames = new TicFrameDecoder().Feed(stream);
        var frame = Assert.Single(frames);
        Assert.Equal(16, frame.Groups.Count);
    }

    [Fact]
    public void Bytes_fed_one_at_a_time_give_the_same_frames()
    {
        var decoder = new TicFrameDecoder();
        var frames = new List<TicFrame>();
        foreach (var b in TicVectors.StandardFrame.Concat(TicVectors.HistoricFrame))
        {
            frames.AddRange(decoder.Feed([b]));
        }

        Assert.Equal(2, frames.Count);
        Assert.Equal(Assert.Single(new TicFrameDecoder().Feed(TicVectors.StandardFrame)).Groups, frames[0].Groups);
        Assert.Equal((TicMode.Standard, TicMode.Historic), (frames[0].Mode, frames[1].Mode));
    }

    [Fact]
    public void A_configured_mode_reads_only_its_own_groups()
    {
        var frame = Assert.Single(new TicFrameDecoder(TicMode.Historic).Feed(TicVectors.StandardFrame));
        Assert.Empty(frame.Groups);
        Assert.Equal(55, frame.MalformedGroups);
        Assert.Equal(16, Assert.Single(new TicFrameDecoder(TicMode.Historic).Feed(TicVectors.HistoricFrame)).Groups.Count);
    }

    [Fact]
    public void Encoding_the_decoded_groups_gives_the_recorded_frames_back()
    {
        foreach (var recorded in new[] { TicVectors.HistoricFrame, TicVectors.StandardFrame })
        {
            var frame = Assert.Single(new TicFrameDecoder().Feed(recorded));
            Assert.Equal(recorded, TicFrameEncoder.Encode(frame.Groups, frame.Mode));
        }
    }

    [Fact]
    public void Random_and_mutated_frames_never_throw()
    {
        var random = new Random(54);
        var decoder = new TicFrameDecoder();
        var vectors = new[] { TicVectors.HistoricFrame, TicVectors.StandardFrame };
        for (int round = 0; round < 3000; round++)
        {
            byte[] bytes;
            if (round % 3 == 0)
            {
                bytes = new byte[random.Next(0, 600)];
                random.NextBytes(bytes);
                // Plenty of control characters, so that frames and groups really open and close.
                for (int i = 0; i < bytes.Length; i += random.Next(1, 12))
                {
                    bytes[i] = new byte[] { TicChars.STX, TicChars.ETX, TicChars.EOT, TicChars.LF, TicChars.CR, TicChars.HT, TicChars.SP }[random.Next(7)];
                }
            }
            else
            {
                bytes = (byte[])vectors[round % 2].Clone();
                for (int flips = random.Next(1, 8); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                if (random.Next(4) == 0)
                {
                    bytes = bytes[..random.Next(bytes.Length)];
                }
            }

            foreach (var chunk in bytes.Chunk(random.Next(1, 64)))
            {
                foreach (var frame in decoder.Feed(chunk))
                {
                    Assert.True(frame.Groups.Count <= TicFrameDecoder.MaxGroupsPerFrame);
                    foreach (var group in frame.Groups)
                    {
                        _ = TicLabels.Find(frame.Mode, group.Label)?.TryGetNumber(group.Value, out _);
                        _ = TicStatusRegister.TryParse(group.Value, out _);
                    }
                }
            }
        }

        // After the noise, a good frame still decodes whole.
        decoder.Feed([TicChars.ETX]);
        Assert.Equal(55, Assert.Single(decoder.Feed(TicVectors.StandardFrame)).Groups.Count);
    }

    [Fact]
    public void The_labels_carry_their_units()
    {
        Assert.Equal("Wh", TicLabels.Find(TicMode.Standard, "EAST")!.Unit);
        Assert.Equal("Wh", TicLabels.Find(TicMode.Standard, "EASF07")!.Unit);
        Assert.Equal("VA", TicLabels.Find(TicMode.Standard, "SINSTS2")!.Unit);
        Assert.Equal("A", TicLabels.Find(TicMode.Standard, "IRMS3")!.Unit);
        Assert.Equal("V", TicLabels.Find(TicMode.Standard, "URMS1")!.Unit);
        Assert.True(TicLabels.Find(TicMode.Standard, "SMAXSN1-1")!.Dated);
        Assert.Equal("Wh", TicLabels.Find(TicMode.Historic, "HCHP")!.Unit);
        Assert.Equal("VA", TicLabels.Find(TicMode.Historic, "PAPP")!.Unit);
        Assert.Equal("A", TicLabels.Find(TicMode.Historic, "IINST2")!.Unit);
        Assert.Equal(TicValueKind.Text, TicLabels.Find(TicMode.Historic, "PTEC")!.Kind);
        Assert.Null(TicLabels.Find(TicMode.Historic, "EAST"));
        Assert.True(TicLabels.Find(TicMode.Standard, "EAST")!.TryGetNumber(" 21849107", out long east));
        Assert.Equal(21849107, east);
        // Every label of the recorded frames is known.
        foreach (var (vector, mode) in new[] { (TicVectors.HistoricFrame, TicMode.Historic), (TicVectors.StandardFrame, TicMode.Standard) })
        {
            Assert.All(Assert.Single(new TicFrameDecoder().Feed(vector)).Groups, g => Assert.NotNull(TicLabels.Find(mode, g.Label)));
        }
    }
}
