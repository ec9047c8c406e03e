# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""The JSON Schema (policy/image-policy.schema.json) accepts every example policy and every
policy document in docs/policy.md, and refuses structurally bad documents the loader refuses."""
import glob
import json
import os
import re
import sys
import unittest

import jsonschema
import yaml

ROOT = os.environ.get("TEST_SRCDIR", ".")


def find(path):
    for base in (".", os.path.join(ROOT, "vouch")):
        p = os.path.join(base, path)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(path)


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(find("policy/image-policy.schema.json")) as f:
            cls.schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(cls.schema)
        cls.validator = jsonschema.Draft202012Validator(cls.schema)

    def docs(self, text):
        return [d for d in yaml.safe_load_all(text) if d is not None]

    def test_examples_are_valid(self):
        files = sorted(glob.glob(os.path.join(os.path.dirname(find("policy/examples/settings.yaml")), "*.yaml")))
        self.assertGreaterEqual(len(files), 3)
        for path in files:
            with open(path) as f:
                for doc in self.docs(f.read()):
                    self.validator.validate(doc)

    def test_policies_in_the_docs_are_valid(self):
        with open(find("docs/policy.md")) as f:
            text = f.read()
        blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
        checked = 0
        for block in blocks:
            for doc in self.docs(block):
                if isinstance(doc, dict) and doc.get("apiVersion") == "policy.vouch.dev/v1":
                    self.validator.validate(doc)
                    checked += 1
        self.assertGreaterEqual(checked, 2, "docs/policy.md should show full policies")

    def test_structural_errors_are_refused(self):
        good = {
            "apiVersion": "policy.vouch.dev/v1", "kind": "ImagePolicy", "metadata": {"name": "p"},
            "spec": {"images": [{"glob": "r.example/**"}],
                     "authorities": [{"name": "a", "keyless": {"issuer": "i", "subject": "s"}}]},
        }
        self.validator.validate(good)
        bad = []
        d = json.loads(json.dumps(good)); d["spec"]["moed"] = "warn"; bad.append(("unknown field", d))
        d = json.loads(json.dumps(good)); d["spec"]["mode"] = "audit"; bad.append(("bad mode", d))
        d = json.loads(json.dumps(good)); del d["spec"]["images"]; bad.append(("no images", d))
        d = json.loads(json.dumps(good)); d["spec"]["authorities"][0]["static"] = {"action": "pass"}
        bad.append(("two authority kinds", d))
        d = json.loads(json.dumps(good)); d["spec"]["authorities"][0]["keyless"]["issuerRegExp"] = "x"
        bad.append(("issuer and regexp", d))
        d = json.loads(json.dumps(good)); d["spec"]["authorities"][0]["keyless"]["extensions"] = {"repo": "x"}
        bad.append(("unknown extension", d))
        d = json.loads(json.dumps(good))
        d["spec"]["attestations"] = [{"predicateType": "x", "conditions": [{"path": "a", "equals": 1, "exists": True}]}]
        bad.append(("two operators", d))
        d = json.loads(json.dumps(good))
        d["spec"]["attestations"] = [{"predicateType": "x", "conditions": [{"path": "a[x]", "exists": True}]}]
        bad.append(("bad path", d))
        d = json.loads(json.dumps(good)); d["apiVersion"] = "v2"; bad.append(("api version", d))
        bad.append(("settings", {"apiVersion": "policy.vouch.dev/v1", "kind": "PolicySettings",
                                 "spec": {"defaultAction": "maybe"}}))
        for name, doc in bad:
            with self.subTest(name):
                self.assertFalse(self.validator.is_valid(doc), name)


class WebhookConfigurationTest(unittest.TestCase):
    """The webhook configurations in docs/policy.md, applied as the API server applies them to
    the test AdmissionReview documents (server/testdata/admission): which reviews each webhook
    is sent."""

    @classmethod
    def setUpClass(cls):
        with open(find("docs/policy.md")) as f:
            text = f.read()
        cls.configs = {}
        for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
            for doc in yaml.safe_load_all(block):
                if isinstance(doc, dict) and doc.get("apiVersion") == "admissionregistration.k8s.io/v1":
                    cls.configs[doc["kind"]] = doc
        cls.reviews = {}
        for path in glob.glob(os.path.join(os.path.dirname(find("server/testdata/admission/pod.json")), "*.json")):
            with open(path) as f:
                cls.reviews[os.path.basename(path)] = json.load(f)["request"]

    @staticmethod
    def matches(webhook, req):
        """The API server's rule matching: group, version, resource[/subresource], operation,
        and the namespace selector on the namespace name label."""
        res = req["resource"]
        resource = res["resource"] + ("/" + req["subResource"] if req.get("subResource") else "")
        ns_ok = True
        for e in webhook.get("namespaceSelector", {}).get("matchExpressions", []):
            if e["key"] == "kubernetes.io/metadata.name" and e["operator"] == "NotIn":
                ns_ok = ns_ok and req.get("namespace") not in e["values"]
        for rule in webhook["rules"]:
            if (res["group"] in rule["apiGroups"] and res["version"] in rule["apiVersions"]
                    and resource in rule["resources"] and req["operation"] in rule["operations"]):
                return ns_ok
        return False

    def test_both_configurations_are_well_formed(self):
        self.assertEqual(set(self.configs), {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"})
        for kind, cfg in self.configs.items():
            for w in cfg["webhooks"]:
                self.assertEqual(w["admissionReviewVersions"], ["v1"], kind)
                self.assertEqual(w["sideEffects"], "None", kind)
                self.assertIn(w["clientConfig"]["service"]["path"], ("/validate", "/mutate"), kind)

    def test_validating_rules_send_every_workload_and_not_the_scale_subresource(self):
        (w,) = self.configs["ValidatingWebhookConfiguration"]["webhooks"]
        for name in ("pod.json", "deployment.json", "cronjob.json"):
            self.assertTrue(self.matches(w, self.reviews[name]), name)
        # The Kubernetes docs' example is a deployments/scale UPDATE: no pod template, not sent.
        self.assertFalse(self.matches(w, self.reviews["scale_from_k8s_docs.json"]))
        kube_system = dict(self.reviews["pod.json"], namespace="kube-system")
        self.assertFalse(self.matches(w, kube_system))

    WORKLOADS = [("", "pods", "Pod"), ("", "replicationcontrollers", "ReplicationController"),
                 ("apps", "deployments", "Deployment"), ("apps", "replicasets", "ReplicaSet"),
                 ("apps", "statefulsets", "StatefulSet"), ("apps", "daemonsets", "DaemonSet"),
                 ("batch", "jobs", "Job"), ("batch", "cronjobs", "CronJob")]

    @staticmethod
    def request(group, resource, operation, namespace="prod", sub=None):
        r = {"resource": {"group": group, "version": "v1", "resource": resource},
             "operation": operation, "namespace": namespace}
        if sub:
            r["subResource"] = sub
        return r

    def test_validating_rules_cover_every_kind_the_webhook_reads_and_nothing_else(self):
        # The kinds whose pod specs server/admission.cc reads (ImagesOf), CREATE and UPDATE;
        # DELETE and CONNECT carry nothing to run and are not sent; kube-system is left out.
        (w,) = self.configs["ValidatingWebhookConfiguration"]["webhooks"]
        with open(find("server/admission.cc")) as f:
            source = f.read()
        for group, resource, kind in self.WORKLOADS:
            with self.subTest(resource=resource):
                self.assertIn('"%s"' % kind, source)
                for op in ("CREATE", "UPDATE"):
                    self.assertTrue(self.matches(w, self.request(group, resource, op)), op)
                for op in ("DELETE", "CONNECT"):
                    self.assertFalse(self.matches(w, self.request(group, resource, op)), op)
                self.assertFalse(self.matches(w, self.request(group, resource, "CREATE",
                                                              namespace="kube-system")))
        # kubectl debug adds ephemeral containers through the subresource: checked too.
        self.assertTrue(self.matches(w, self.request("", "pods", "UPDATE", sub="ephemeralcontainers")))
        # Other subresources (status, scale, exec) and other resources are not sent.
        for req in (self.request("", "pods", "UPDATE", sub="status"),
                    self.request("apps", "deployments", "UPDATE", sub="scale"),
                    self.request("", "pods", "CREATE", sub="exec"),
                    self.request("", "configmaps", "CREATE"),
                    self.request("apps", "controllerrevisions", "CREATE")):
            self.assertFalse(self.matches(w, req), req)
        self.assertEqual(w["failurePolicy"], "Fail")  # fail closed, as the engine does

    def test_mutating_rules_send_pods_and_workloads(self):
        (w,) = self.configs["MutatingWebhookConfiguration"]["webhooks"]
        self.assertEqual(w["clientConfig"]["service"]["path"], "/mutate")
        for name in ("pod.json", "deployment.json", "cronjob.json"):
            self.assertTrue(self.matches(w, self.reviews[name]), name)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
