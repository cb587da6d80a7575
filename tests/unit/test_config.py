from __future__ import annotations

from pathlib import Path

import pytest

from violet.composition import build_app, remote_planes
from violet.config import ConfigError, VioletConfig, load_config
from violet.domain import FeedState


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "violet.toml"
    path.write_text(text)
    return path


def test_embedded_defaults_are_simulators_a_remote_alpha_and_an_in_process_venue() -> None:
    cfg = load_config(None)
    assert cfg.simulators.enabled
    assert (cfg.alpha.adapter, cfg.venue.adapter) == ("remote_shm", "bingx")
    assert remote_planes(cfg) == ["alpha"]


def test_composition_builds_unstarted_feeds_and_switching_a_plane_is_config_only(tmp_path: Path) -> None:
    base = '[simulators]\nenabled = false\n[venue]\nadapter = "in_memory"\n'
    kinds = {}
    for adapter in ("nt_binance", "remote_shm", "remote_hz", "in_memory"):
        cfg = load_config(write(tmp_path, base + f'[alpha]\nadapter = "{adapter}"\n'))
        app = build_app(cfg)
        assert app.alpha.state is FeedState.CONNECTING, "nothing connects at construction"
        kinds[adapter] = type(app.alpha).__name__
    assert kinds == {
        "nt_binance": "NtBinancePriceFeed",
        "remote_shm": "RemoteShmPriceFeed",
        "remote_hz": "RemoteHzPriceFeed",
        "in_memory": "InMemoryPriceFeed",
    }


def test_an_adapter_on_the_wrong_plane_is_refused_on_loading_as_config_check_does(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"alpha\.adapter.*does not serve the alpha plane"):
        load_config(write(tmp_path, '[alpha]\nadapter = "bingx"\n'))
    with pytest.raises(ConfigError, match=r"venue\.adapter"):
        load_config(write(tmp_path, '[venue]\nadapter = "nt_binance"\n'))


def test_history_replays_both_planes_from_a_named_catalog_or_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"alpha\.adapter.*both planes or neither"):
        load_config(write(tmp_path, '[alpha]\nadapter = "history"\n[history]\ncatalog = "x"\n'))
    with pytest.raises(ConfigError, match=r"history\.catalog.*required"):
        load_config(write(tmp_path, '[alpha]\nadapter = "history"\n[venue]\nadapter = "history"\n'))
    cfg = load_config(
        write(tmp_path, '[alpha]\nadapter = "history"\n[venue]\nadapter = "history"\n[history]\ncatalog = "x"\n')
    )
    app = build_app(cfg)
    assert (type(app.alpha).__name__, type(app.venue).__name__) == ("HistoryPriceFeed", "HistoryPriceFeed")
    assert app.alpha.state is FeedState.CONNECTING, "nothing replays at construction"


def test_history_replays_raw_frame_files_instead_of_a_catalog_never_both_never_followed(tmp_path: Path) -> None:
    planes = '[alpha]\nadapter = "history"\n[venue]\nadapter = "history"\n'
    frames = 'alpha_frames = "a.jsonl.gz"\nvenue_frames = "v.jsonl.gz"\n'
    with pytest.raises(ConfigError, match=r"history\.catalog.*not both"):
        load_config(write(tmp_path, f'{planes}[history]\ncatalog = "x"\n{frames}'))
    with pytest.raises(ConfigError, match=r"history\.follow.*catalog being written"):
        load_config(write(tmp_path, f"{planes}[history]\nfollow = true\n{frames}"))
    app = build_app(load_config(write(tmp_path, f"{planes}[history]\n{frames}")))
    assert (type(app.alpha).__name__, type(app.venue).__name__) == ("HistoryPriceFeed", "HistoryPriceFeed")


def test_a_valid_file_is_loaded(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[alpha]\nadapter = "in_memory"\nassets = ["SOLUSDT-PERP"]\n'))
    assert cfg.alpha.assets == ["SOLUSDT-PERP"]
    assert cfg.venue == VioletConfig().venue
    assert not cfg.simulators.enabled, "a file means real venues unless it says otherwise"


@pytest.mark.parametrize(
    ("text", "key", "reason_part"),
    [
        (
            '[alpha]\nadapter = "in_memory"\nstaleness_budget_ms = -5\n',
            "alpha.staleness_budget_ms",
            "Expected `float` > 0.0",
        ),
        ('[alpha]\nstaleness_budget_ms = "5"\n', "alpha.staleness_budget_ms", "got `str`"),
        ('[alpha]\nadapter = "carrier-pigeon"\n', "alpha.adapter", "Invalid enum value 'carrier-pigeon'"),
        ('[alpha]\nadapter = "in_memory"\nassets = ["btcusdt"]\n', "alpha.assets[0]", "Expected `str` matching regex"),
        ('[alpha]\nadapter = "in_memory"\ncolour = 1\n', "alpha", "unknown field `colour`"),
        ("[alpha]\nassets = []\n", "alpha", "missing required field `adapter`"),
        ('[binance]\nhttp_url = "fapi.binance.com"\n', "binance.http_url", "Expected `str` matching regex"),
        ("[alpha\n", "", "not valid TOML"),
        ("[bingx.stall_after_s]\nbookticker = 5\n", "bingx.stall_after_s", "Invalid enum value 'bookticker'"),
    ],
)
def test_bad_config_names_file_key_and_reason(tmp_path: Path, text: str, key: str, reason_part: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.file == str(path)
    assert info.value.key == key
    assert reason_part in info.value.reason


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("name", ["live.toml", "demo.toml", "feed.toml"])
def test_shipped_examples_are_valid(name: str) -> None:
    load_config(Path(__file__).resolve().parents[2] / "examples" / name)


def test_adapter_settings_built_without_a_config_take_the_config_defaults() -> None:
    from violet.adapters.bingx import BingxSettings
    from violet.adapters.nt_binance.settings import NtBinanceSettings
    from violet.adapters.remote_shm import RemoteShmSettings
    from violet.defaults import ms_to_ns

    cfg = VioletConfig()
    bingx = BingxSettings(assets=("BTCUSDT-PERP",))
    assert (bingx.base_url_http, bingx.ws_url) == (cfg.bingx.http_url, cfg.bingx.ws_url)
    assert bingx.staleness_budget_ns == ms_to_ns(cfg.venue.staleness_budget_ms)
    assert (bingx.topics_per_socket, bingx.subscribe_per_s) == (cfg.bingx.topics_per_socket, cfg.bingx.subscribe_per_s)
    assert bingx.stall_after_s == cfg.bingx.stall_after_s
    assert bingx.ready_timeout_s == cfg.venue.ready_timeout_s
    nt = NtBinanceSettings(assets=("BTCUSDT-PERP",))
    assert (nt.base_url_http, nt.base_url_ws) == (cfg.binance.http_url, cfg.binance.ws_url)
    assert nt.staleness_budget_ns == ms_to_ns(cfg.alpha.staleness_budget_ms)
    assert nt.venue_clock_skew_ns == ms_to_ns(cfg.alpha.venue_clock_skew_ms)
    assert nt.subscribe_per_s == cfg.binance.subscribe_per_s
    remote = RemoteShmSettings(bridge="b", venue="binance", assets=("BTCUSDT-PERP",))
    assert remote.heartbeat_timeout_ns == ms_to_ns(cfg.bridge.heartbeat_timeout_ms)
    assert remote.staleness_budget_ns == ms_to_ns(cfg.alpha.staleness_budget_ms)


def test_a_resolved_config_round_trips_through_toml_with_keys_that_need_quoting(tmp_path: Path) -> None:
    import msgspec

    from violet.config import dump_config
    from violet.config.schema import PlaneConfig

    cfg = msgspec.structs.replace(
        VioletConfig(),
        venue=PlaneConfig(adapter="bingx", budget_ms={"SOLUSDT-PERP": 5000.0}, silent_after_ms={"quote": 5.0}),
    )
    path = tmp_path / "resolved.toml"
    path.write_text(dump_config(cfg))
    back = load_config(path)
    assert back == cfg
    assert back.bingx.stall_after_s["depth5@500ms"] == 15.0


SHARDED = '[alpha]\nadapter = "remote_shm"\nassets = ["BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP"]\n'


def test_shards_deal_a_planes_assets_out_in_config_order(tmp_path: Path) -> None:
    from violet.composition import shard_config
    from violet.config import plane_slices

    path = tmp_path / "v.toml"
    path.write_text(SHARDED + "[feed]\nshards = 2\n")
    cfg = load_config(path)
    assert plane_slices(cfg, "alpha") == (("BTCUSDT-PERP", "SOLUSDT-PERP"), ("ETHUSDT-PERP",))
    assert shard_config(cfg, 1).alpha.assets == ["ETHUSDT-PERP"]
    with pytest.raises(ConfigError, match="shard 2 of 2"):
        shard_config(cfg, 2)


def test_auto_shards_count_the_largest_remote_plane_by_assets_per_shard_up_to_the_hosts_cores(tmp_path: Path) -> None:
    import msgspec

    from violet.composition import shard_config
    from violet.config import auto_shards, plane_slices, resolve_shards, shard_count
    from violet.config.schema import PlaneConfig

    path = tmp_path / "v.toml"
    path.write_text(SHARDED + '[feed]\nshards = "auto"\nassets_per_shard = 2\n')
    cfg = load_config(path)
    with pytest.raises(ConfigError, match="counted by the process that starts the feed"):
        shard_count(cfg)  # unresolved: only the process that spawns the feeds may count it
    resolved = resolve_shards(cfg, cpus=8)
    assert shard_count(resolved) == 2  # 3 assets, 2 a shard
    assert plane_slices(resolved, "alpha") == (("BTCUSDT-PERP", "SOLUSDT-PERP"), ("ETHUSDT-PERP",))
    assert shard_count(shard_config(resolved, 1)) == 2, "a shard's config keeps the whole plane's count"
    assert shard_count(resolve_shards(cfg, cpus=1)) == 1, "never more shards than cores"
    many = [f"C{i:03d}USDT-PERP" for i in range(601)]
    big = msgspec.structs.replace(cfg, alpha=PlaneConfig(adapter="remote_shm", assets=many))
    per_100 = msgspec.structs.replace(big, feed=msgspec.structs.replace(big.feed, assets_per_shard=100))
    assert (auto_shards(per_100, cpus=2), auto_shards(per_100, cpus=64)) == (2, 7)
    per_1 = msgspec.structs.replace(big, feed=msgspec.structs.replace(big.feed, assets_per_shard=1))
    assert auto_shards(per_1, cpus=64) == 16
    # In-process planes take no feed process.
    assert auto_shards(msgspec.structs.replace(cfg, alpha=PlaneConfig(adapter="nt_binance", assets=many)), 64) == 1


@pytest.mark.parametrize(
    ("feed", "key", "reason"),
    [
        ('shards = "auto"\nshard_assets = { alpha = [["BTCUSDT-PERP"]] }\n', "feed.shard_assets", "not .auto."),
        ('shards = "auto"\nspawn = false\n', "feed.shards", "a feed run as its own service needs a number"),
    ],
)
def test_auto_shards_need_dealt_slices_and_spawned_feeds(tmp_path: Path, feed: str, key: str, reason: str) -> None:
    path = tmp_path / "v.toml"
    path.write_text(SHARDED + "[feed]\n" + feed)
    with pytest.raises(ConfigError, match=reason) as caught:
        load_config(path)
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("feed", "reason"),
    [
        ("shards = 4\n", "4 shards for 3 alpha assets"),
        ('shards = 2\nshard_assets = { alpha = [["BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP"]] }\n', "1 lists"),
        ('shards = 2\nshard_assets = { alpha = [["BTCUSDT-PERP"], ["BTCUSDT-PERP", "SOLUSDT-PERP"]] }\n', "more than"),
        ('shards = 2\nshard_assets = { alpha = [["BTCUSDT-PERP"], ["ETHUSDT-PERP"]] }\n', "missing ['SOLUSDT-PERP']"),
        (
            'shards = 2\nshard_assets = { alpha = [["BTCUSDT-PERP", "ETHUSDT-PERP", "SOLUSDT-PERP"], []] }\n',
            "no assets",
        ),
    ],
)
def test_shard_slices_that_do_not_partition_the_plane_are_config_errors(tmp_path: Path, feed: str, reason: str) -> None:
    path = tmp_path / "v.toml"
    path.write_text(SHARDED + "[feed]\n" + feed)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key.startswith("feed.shard")
    assert reason in caught.value.reason
