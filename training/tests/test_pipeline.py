"""One training step, augmentation, calibration helpers and ONNX export of every architecture (no data files needed)."""
import os
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import data  # noqa: E402
import evaluate  # noqa: E402
import export  # noqa: E402
import onnx_to_checkpoint  # noqa: E402
import quantize  # noqa: E402
from config import TrainConfig, load_config  # noqa: E402
from model import ARCHS, MeanEnsemble, ModelConfig, build_model  # noqa: E402


class TrainStepTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        torch.set_num_threads(1)

    def test_one_step_lowers_the_loss_on_its_batch(self):
        cfg = TrainConfig()
        model = build_model(ModelConfig(arch="mini_xception", width=8, dropout=0.0)).to(memory_format=torch.channels_last)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        pixels = torch.randint(0, 256, (32, 48, 48), dtype=torch.uint8)
        labels = torch.randint(0, 7, (32,))
        gen = torch.Generator().manual_seed(0)
        x = data.augment(data.normalise(pixels, 0.5, 0.25), cfg, gen).contiguous(memory_format=torch.channels_last)
        losses = []
        for _ in range(5):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = model(x)
            loss = F.cross_entropy(logits.float(), labels, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        self.assertTrue(all(np.isfinite(losses)))
        self.assertLess(losses[-1], losses[0])

    def test_augment_without_jitter_is_identity(self):
        cfg = TrainConfig(hflip=False, rotate_deg=0, scale_jitter=0, shift_jitter=0, erase_prob=0)
        x = torch.randn(4, 1, 48, 48)
        y = data.augment(x, cfg, torch.Generator().manual_seed(0))
        self.assertLess((x - y).abs().max().item(), 1e-4)

    def test_random_erase_touches_only_some_images(self):
        x = torch.zeros(200, 1, 48, 48)
        y = data.random_erase(x, 0.5, torch.Generator().manual_seed(0))
        erased = (y != 0).flatten(1).any(1).float().mean().item()
        self.assertAlmostEqual(erased, 0.5, delta=0.12)

    def test_config_rejects_unknown_flags_and_keys(self):
        with self.assertRaises(SystemExit):
            load_config(["--no_such_key", "1"])
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("epochs: 2\nbogus: 1\n")
        with self.assertRaises(SystemExit):
            load_config(["--config", f.name])
        os.remove(f.name)

    def test_flags_override_yaml(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("epochs: 2\narch: vgg\n")
        cfg = load_config(["--config", f.name, "--epochs", "5", "--bf16", "false"])
        os.remove(f.name)
        self.assertEqual((cfg.epochs, cfg.arch, cfg.bf16), (5, "vgg", False))


class CalibrationTest(unittest.TestCase):
    def test_temperature_is_recovered(self):
        gen = torch.Generator().manual_seed(0)
        true_logits = torch.randn(4000, 7, generator=gen) * 3
        labels = torch.multinomial(torch.softmax(true_logits, 1), 1, generator=gen).squeeze(1)
        t = evaluate.fit_temperature(true_logits * 2.0, labels)  # over-confident by 2x
        self.assertAlmostEqual(t, 2.0, delta=0.15)

    def test_class_offsets_recover_a_class_the_network_under_calls(self):
        # Scores that know the label, except that class 2's logit is pushed down by 1.5: it is named far less often
        # than it is right. The fitted offsets must lift it back and raise macro-F1; with no skew they stay near 0.
        gen = torch.Generator().manual_seed(0)
        labels = torch.randint(0, 7, (6000,), generator=gen)
        clean = torch.randn(6000, 7, generator=gen) + 2.0 * F.one_hot(labels, 7)
        skewed = clean.clone()
        skewed[:, 2] -= 1.5
        y = labels.numpy()
        bias = np.array(evaluate.fit_class_bias(skewed, y, 1.0))
        self.assertAlmostEqual(float(bias.mean()), 0.0, places=3)
        self.assertGreater(bias[2], 0.8)
        before = evaluate.macro_f1(y, skewed.argmax(1).numpy(), 7)
        after = evaluate.macro_f1(y, (skewed + torch.tensor(bias, dtype=torch.float32)).argmax(1).numpy(), 7)
        self.assertGreater(after, before + 0.02)
        self.assertLess(np.abs(evaluate.fit_class_bias(clean, y, 1.0)).max(), 0.3)

    def test_ece_of_a_calibrated_model_is_small(self):
        rng = np.random.RandomState(0)
        probs = rng.dirichlet(np.ones(7), size=20000)
        labels = np.array([rng.choice(7, p=p) for p in probs])
        self.assertLess(evaluate.ece(probs, labels), 0.02)

    def test_ferplus_majority_skips_contempt_unknown_and_not_a_face(self):
        votes = np.zeros((4, 10), dtype=np.uint8)
        votes[0, 1] = 9  # happiness -> happy (3)
        votes[1, 7] = 6  # contempt
        votes[2, 9] = 10  # not a face
        votes[3, 4] = 5  # anger -> angry (0)
        self.assertEqual(data.ferplus_majority(votes).tolist(), [3, -1, -1, 0])

    def test_ferplus_soft_targets_mix_the_label_with_the_emotion_votes(self):
        votes = np.zeros((3, 10), dtype=np.uint8)
        votes[0, [1, 2, 7]] = [6, 2, 2]  # happiness 6, surprise 2, contempt 2 (dropped)
        votes[1, 9] = 10  # not a face: no emotion votes
        votes[2, 4] = 10  # anger
        dist = data.ferplus_distribution(votes)
        np.testing.assert_allclose(dist[0], [0, 0, 0, 0.75, 0, 0.25, 0])
        np.testing.assert_allclose(dist[1], np.zeros(7))
        targets = data.soft_targets(np.array([3, 4, 2]), dist, 0.5)
        np.testing.assert_allclose(targets[0], [0, 0, 0, 0.875, 0, 0.125, 0])
        np.testing.assert_allclose(targets[1], np.eye(7)[4])  # keeps its FER2013 label
        np.testing.assert_allclose(targets[2], [0.5, 0, 0.5, 0, 0, 0, 0])
        np.testing.assert_allclose(targets.sum(1), np.ones(3), rtol=1e-6)


class ExportTest(unittest.TestCase):
    def test_every_arch_exports_with_dynamic_batch_and_tta_matches(self):
        for arch in ARCHS:
            with self.subTest(arch=arch), tempfile.TemporaryDirectory() as tmp:
                model = build_model(ModelConfig(arch=arch, width=8)).eval()
                path = os.path.join(tmp, "m.onnx")
                export.export_onnx(model, 48, 1, path)
                graph = onnx.load(path).graph
                self.assertEqual([i.name for i in graph.input], ["input"])
                self.assertEqual([o.name for o in graph.output], ["logits"])
                dims = graph.input[0].type.tensor_type.shape.dim
                self.assertEqual(dims[0].dim_param, "batch")
                self.assertEqual([d.dim_value for d in dims[1:]], [1, 48, 48])
                # the runtime's TTA: average of the crop's and the mirrored crop's logits
                pixels = np.random.RandomState(0).randint(0, 256, (5, 48, 48)).astype(np.uint8)
                got = evaluate.predict_logits(model, pixels, 0.5, 0.25, 48, hflip=True)
                x = data.normalise(torch.from_numpy(pixels), 0.5, 0.25)
                with torch.no_grad():
                    want = (model(x) + model(torch.flip(x, dims=[3]))) / 2
                self.assertLess((got - want).abs().max().item(), 1e-5)
                self.assertEqual(tuple(got.shape), (5, 7))

    def test_an_ensemble_exports_as_one_graph_averaging_its_members(self):
        torch.manual_seed(0)
        members = [build_model(ModelConfig(arch=arch, width=8)).eval() for arch in ("vgg", "mini_xception")]
        ensemble = MeanEnsemble(members).eval()
        x = torch.randn(3, 1, 48, 48)
        with torch.no_grad():
            want = (members[0](x) + members[1](x)) / 2
            self.assertLess((ensemble(x) - want).abs().max().item(), 1e-6)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "e.onnx")
            export.export_onnx(ensemble, 48, 1, path)
            self.assertEqual([o.name for o in onnx.load(path).graph.output], ["logits"])

    def test_an_exported_vgg_turns_back_into_the_same_network_with_refitted_batchnorms(self):
        torch.manual_seed(0)
        cfg = ModelConfig(arch="vgg", width=8)
        model = build_model(cfg)
        model.train()
        with torch.no_grad():  # running statistics far from the initial ones, so that the folding matters
            for _ in range(5):
                model(torch.randn(64, 1, 48, 48) * 2 + 0.5)
        model.eval()
        calibration = torch.randn(200, 1, 48, 48) * 2 + 0.5
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.onnx")
            export.export_onnx(model, 48, 1, path)
            back = onnx_to_checkpoint.network_from_onnx(path, cfg, calibration)
            other = os.path.join(tmp, "x.onnx")
            export.export_onnx(build_model(ModelConfig(arch="mini_xception", width=8)).eval(), 48, 1, other)
            with self.assertRaises(ValueError):
                onnx_to_checkpoint.network_from_onnx(other, cfg, calibration)
        with torch.no_grad():
            want = model(calibration)
            self.assertLess((back(calibration) - want).abs().max().item(), 1e-3)
            # In training mode each BatchNorm normalises by the batch's own statistics, which on the calibration
            # batch are the ones it was fitted to: a later stage starts from the same function.
            back.train()
            for mod in back.modules():
                if isinstance(mod, torch.nn.Dropout):
                    mod.p = 0.0
            self.assertLess((back(calibration) - want).abs().max().item(), 1e-2)



class QuantiseTest(unittest.TestCase):
    def _trained_vgg(self, seed):
        torch.manual_seed(seed)
        model = build_model(ModelConfig(arch="vgg", width=8))
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(64, 1, 48, 48))
        return model.eval()

    def test_int8_graph_and_twin_follow_the_float_network(self):
        mean, std = 0.5, 0.25
        pixels = np.random.RandomState(1).randint(0, 256, (300, 48, 48)).astype(np.uint8)
        x = data.normalise(torch.from_numpy(pixels), mean, std)
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for seed in (0, 1):
                paths.append(os.path.join(tmp, f"m{seed}.onnx"))
                export.export_onnx(self._trained_vgg(seed), 48, 1, paths[-1])
            single, twin = quantize.quantise(paths[:1], mean, std, x[:200])
            pair, pair_twin = quantize.quantise(paths, mean, std, x[:200])
            members = [quantize.quantise_member(path, mean, std, x[:200])[1] for path in paths]
            with self.assertRaises(ValueError):  # depthwise and residual blocks are not quantised
                other = os.path.join(tmp, "x.onnx")
                export.export_onnx(build_model(ModelConfig(arch="mini_xception", width=8)).eval(), 48, 1, other)
                quantize.quantise([other], mean, std, x[:200])
        ops = [n.op_type for n in single.graph.node]
        self.assertEqual(ops.count("Conv"), 8)
        self.assertEqual(ops.count("QuantizeLinear"), 9)  # the input and every conv's output
        self.assertNotIn("Relu", ops[: ops.index("GlobalAveragePool")])  # the uint8 QuantizeLinear is the ReLU
        self.assertEqual([o.name for o in pair.graph.output], ["logits"])
        self.assertEqual([n.op_type for n in pair.graph.node].count("Mean"), 1)
        with torch.no_grad():
            want = self._trained_vgg(0)(x[200:])
            got = twin(x[200:])
            # 8-bit codes: close to the float network, and the same class for nearly every input
            self.assertLess((got - want).abs().mean().item(), 0.05 * want.abs().mean().item() + 1e-3)
            self.assertGreater((got.argmax(1) == want.argmax(1)).float().mean().item(), 0.9)
            both = (members[0](x[200:]) + members[1](x[200:])) / 2
            self.assertLess((pair_twin(x[200:]) - both).abs().max().item(), 1e-5)

    def test_an_int8_export_turns_back_into_a_float_network_with_its_weights(self):
        mean, std = 0.5, 0.25
        x = data.normalise(torch.from_numpy(np.random.RandomState(2).randint(0, 256, (300, 48, 48)).astype(np.uint8)), mean, std)
        float_model = self._trained_vgg(0)
        with tempfile.TemporaryDirectory() as tmp:
            fp32, int8 = os.path.join(tmp, "m.onnx"), os.path.join(tmp, "m-int8.onnx")
            export.export_onnx(float_model, 48, 1, fp32)
            graph, twin = quantize.quantise([fp32], mean, std, x[:200])
            onnx.save(graph, int8)
            back = onnx_to_checkpoint.network_from_onnx(int8, ModelConfig(arch="vgg", width=8), x[:200])
        with torch.no_grad():
            want, got = float_model(x[200:]), back(x[200:])
            # int8 weights in float arithmetic: close to the original network, not bit-equal to it
            self.assertLess((got - want).abs().mean().item(), 0.05 * want.abs().mean().item() + 1e-3)
            self.assertGreater((got.argmax(1) == want.argmax(1)).float().mean().item(), 0.9)
            self.assertGreater((got - want).abs().max().item(), 0.0)


if __name__ == "__main__":
    unittest.main()
